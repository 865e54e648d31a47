//! Email notices: rendering one for its recipient (in their language, plain
//! text and HTML, the alert's content only when its audience allows) and
//! sending the queue through the configured SMTP server, with retries and
//! backoff, like federation deliveries.
//!
//! Exactly once, as far as email allows: a notice is claimed before it is
//! sent and marked sent after the server accepted it. A crash between the two
//! leaves it claimed; once the claim lapses it is sent again, with the same
//! Message-ID (the notice's id), the idempotency key mail clients and
//! archives deduplicate by. A notice is never lost: it leaves the queue only
//! when sent, refused for good, or its alert is gone.

use std::time::Duration;

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::clock::to_millis;
use crate::config::{SmtpConfig, SmtpTls};
use crate::db::notices::{self, DueNotice};
use crate::domain::LangMap;
use crate::domain::notify::{NoticeKind, may_carry_content, subscription_of};
use crate::domain::vocab::{Audience, Urgency};
use crate::error::{Error, Result};
use crate::federation::wire::AlertObject;
use crate::i18n::Lang;
use crate::state::AppState;

/// The channel of email notices (the name operators pause it by).
pub const EMAIL: &str = "email";

/// Whether email is paused for the whole node (by an operator, or in the file).
pub async fn email_paused(state: &AppState) -> Result<bool> {
    Ok(state.config.smtp.as_ref().is_some_and(|s| s.paused) || notices::is_paused(&state.db.pool, EMAIL).await?)
}

/// `Content-Language` (RFC 3282), which lettre has no type for: mail
/// clients pick fonts, direction and spelling by it.
#[derive(Debug, Clone)]
struct ContentLanguage(String);

impl Header for ContentLanguage {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(s: &str) -> std::result::Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ContentLanguage(s.trim().to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// What one notice says, ready to be sent.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// What it is about, in a sentence (the first line).
    pub intro: String,
    /// The alert's page on this node.
    pub link: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub lang: Lang,
}

/// What a message may say of an alert. Only shareable fields are ever read
/// into it: local-only fields (exact location, contacts, family) never are.
pub(crate) struct AlertSummary {
    pub number: String,
    pub title: LangMap,
    pub summary: LangMap,
    pub urgency: Urgency,
    pub country: String,
    pub audience: Audience,
    pub status: crate::domain::vocab::AlertStatus,
    /// Ours only (Unix milliseconds).
    pub expires_at: Option<i64>,
    /// The alert's page on this node.
    pub link: String,
}

/// What a message may say of the action a notice is about (a response to
/// one of our alerts, one of our pledges): who, what kind, when due. Never
/// its text, which may say more than its alert's audience allows.
pub(crate) struct ActionSummary {
    pub org_name: String,
    pub kind: String,
    pub due_at: Option<i64>,
}

/// What a notice is about as it is now: its alert and, for a response or a
/// pledge, the action; `None` when there is nothing to tell any more (the
/// alert or action is gone, the pledge was reported on, the alert near its
/// expiry was closed or extended).
pub(crate) async fn notice_subject(
    state: &AppState,
    kind: NoticeKind,
    subject_id: &str,
) -> Result<Option<(AlertSummary, Option<ActionSummary>)>> {
    if !kind.about_action() {
        let Some(alert) = alert_summary(state, kind, subject_id).await? else {
            return Ok(None);
        };
        if kind == NoticeKind::ExpiryNear {
            let soon = crate::clock::to_millis(state.clock.now() + crate::domain::notify::EXPIRY_NOTICE_AHEAD);
            if alert.status != crate::domain::vocab::AlertStatus::Open || alert.expires_at.is_none_or(|at| at > soon) {
                return Ok(None);
            }
        }
        return Ok(Some((alert, None)));
    }
    let Some(action) = crate::db::actions::find_by_id(&state.db, subject_id).await? else {
        return Ok(None);
    };
    if action.deleted_at.is_some() {
        return Ok(None);
    }
    if kind == NoticeKind::PledgeOverdue
        && crate::db::actions::kept_pledges(&state.db, &action.alert_uri)
            .await?
            .contains(&action.id)
    {
        return Ok(None);
    }
    let uri = url::Url::parse(&action.alert_uri).map_err(|e| Error::Internal(e.into()))?;
    let alert = match crate::federation::urls::local_alert_id(&state.config, &uri) {
        Some(id) => alert_summary(state, NoticeKind::Published, &id).await?,
        None => alert_summary(state, NoticeKind::NetworkAlert, &action.alert_uri).await?,
    };
    Ok(alert.map(|alert| {
        (
            alert,
            Some(ActionSummary {
                org_name: action.org_name,
                kind: action.kind,
                due_at: action.due_at,
            }),
        )
    }))
}

/// The alert a notice is about, as it is now; `None` once it is gone
/// (withdrawn, purged, taken out of this node's audience).
pub(crate) async fn alert_summary(
    state: &AppState,
    kind: NoticeKind,
    subject_id: &str,
) -> Result<Option<AlertSummary>> {
    let base = crate::federation::urls::base(&state.config);
    if kind.about_network_alert() {
        let Some(row) = crate::db::remote_alerts::find_by_id(&state.db, subject_id).await? else {
            return Ok(None);
        };
        if row.deleted_at.is_some() {
            return Ok(None);
        }
        let object: AlertObject = serde_json::from_str(&row.document).map_err(anyhow::Error::from)?;
        return Ok(Some(AlertSummary {
            number: row.number,
            title: object.name_map,
            summary: object.summary_map,
            urgency: row.urgency,
            country: row.country,
            audience: row.sharing,
            status: row.status,
            expires_at: None,
            link: format!("{base}/network/alerts/{}/view", row.local_id),
        }));
    }
    let Some(stored) = crate::db::alerts::get(&state.db, subject_id).await? else {
        return Ok(None);
    };
    if stored.row.status == crate::domain::vocab::AlertStatus::Withdrawn {
        return Ok(None);
    }
    // The shareable content only: `local_only` is kept apart and never read here.
    let content: crate::domain::alert::AlertContent =
        serde_json::from_str(&stored.row.content).map_err(anyhow::Error::from)?;
    Ok(Some(AlertSummary {
        number: stored.row.number.clone(),
        title: content.title,
        summary: content.summary,
        urgency: stored.row.urgency,
        country: stored.row.country.clone(),
        audience: stored.row.audience,
        status: stored.row.status,
        expires_at: stored.row.expires_at,
        link: format!("{base}/alerts/{}/view", stored.row.id),
    }))
}

/// The text in the reader's language, else English, else any.
fn in_language(map: &LangMap, lang: Lang) -> Option<&str> {
    map.get(lang.code())
        .or_else(|| map.get("en"))
        .or_else(|| map.values().next())
        .map(String::as_str)
        .filter(|t| !t.trim().is_empty())
}

/// Renders a notice for its recipient; `None` when its alert is gone.
pub async fn render(state: &AppState, notice: &DueNotice) -> Result<Option<Rendered>> {
    let kind = NoticeKind::parse(&notice.kind)
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("unknown notice kind `{}`", notice.kind)))?;
    let Some((alert, action)) = notice_subject(state, kind, &notice.subject_id).await? else {
        return Ok(None);
    };
    let lang = notice.language.as_deref().and_then(Lang::from_tag).unwrap_or(Lang::En);
    Ok(Some(compose(state, kind, &alert, action.as_ref(), lang)))
}

fn compose(
    state: &AppState,
    kind: NoticeKind,
    alert: &AlertSummary,
    action: Option<&ActionSummary>,
    lang: Lang,
) -> Rendered {
    let t = &state.texts;
    let intro = t.get(
        lang,
        match kind {
            NoticeKind::NetworkAlert => "notice-network-alert",
            NoticeKind::LocalAlert => "notice-local-alert",
            NoticeKind::ReviewRequested => "notice-review-requested",
            NoticeKind::ReturnedToDraft => "notice-returned-to-draft",
            NoticeKind::Published => "notice-published",
            NoticeKind::NewResponse => "notice-new-response",
            NoticeKind::PledgeOverdue => "notice-pledge-overdue",
            NoticeKind::ExpiryNear => "notice-expiry-near",
        },
    );
    // Email crosses servers nobody here controls: a trusted or restricted
    // alert is named by its number and link only.
    let full = may_carry_content(alert.audience);
    let title = in_language(&alert.title, lang).unwrap_or(&alert.number);
    let subject = if full {
        t.get_with(lang, "notice-subject", &[("number", &alert.number), ("title", title)])
    } else {
        t.get_with(lang, "notice-subject-limited", &[("number", &alert.number)])
    };
    let urgency = format!(
        "{}: {}",
        t.get(lang, "notice-urgency"),
        t.get(lang, &format!("urgency-{}", alert.urgency))
    );
    let country = format!("{}: {}", t.get(lang, "notice-country"), t.country(lang, &alert.country));
    let summary = in_language(&alert.summary, lang).map(str::to_string);
    let open = t.get(lang, "notice-open");
    let account = format!("{}/account", crate::federation::urls::base(&state.config));
    let why = t.get_with(lang, "notice-why", &[("node", &state.config.domain)]);
    let limited = t.get(lang, "notice-limited");
    // The response, the pledge's due date, the expiry: only where the
    // alert's content may go too.
    let detail = match (kind, action) {
        (NoticeKind::NewResponse, Some(action)) => Some(t.get_with(
            lang,
            "notice-response-detail",
            &[
                ("organisation", &action.org_name),
                ("kind", &t.get(lang, &format!("response-kind-{}", action.kind))),
            ],
        )),
        (NoticeKind::PledgeOverdue, Some(action)) => action.due_at.map(|due| {
            t.get_with(
                lang,
                "notice-pledge-due",
                &[("date", &lang.date_time(crate::clock::from_millis(due)))],
            )
        }),
        (NoticeKind::ExpiryNear, _) => alert.expires_at.map(|at| {
            t.get_with(
                lang,
                "notice-expires",
                &[("date", &lang.date_time(crate::clock::from_millis(at)))],
            )
        }),
        _ => None,
    }
    .filter(|_| full);

    let mut text = format!("{intro}\n\n{subject}\n");
    if full {
        if let Some(detail) = &detail {
            text.push_str(&format!("{detail}\n"));
        }
        text.push_str(&format!("{urgency}\n{country}\n"));
        if let Some(summary) = &summary {
            text.push_str(&format!("\n{summary}\n"));
        }
    } else {
        text.push_str(&format!("\n{limited}\n"));
    }
    text.push_str(&format!("\n{open}: {}\n\n-- \n{why} {account}\n", alert.link));

    let html = maud::html! {
        (maud::DOCTYPE)
        html lang=(lang.code()) dir=(lang.dir()) {
            head { meta charset="utf-8"; title { (subject) } }
            body dir=(lang.dir()) {
                p { (intro) }
                h1 { (subject) }
                @if full {
                    @if let Some(detail) = &detail { p { (detail) } }
                    p { (urgency) br; (country) }
                    @if let Some(summary) = &summary { p { (summary) } }
                } @else {
                    p { (limited) }
                }
                p { a href=(alert.link) { (open) } }
                hr;
                p { small { (why) " " a href=(account) { (account) } } }
            }
        }
    }
    .into_string();
    Rendered {
        intro,
        link: alert.link.clone(),
        subject,
        text,
        html,
        lang,
    }
}

/// One message for everything a digest reader was told of since the last:
/// each notice by its subject (as limited as alone) and its link.
fn compose_digest(state: &AppState, lang: Lang, items: &[Rendered]) -> Rendered {
    let t = &state.texts;
    let subject = t.get_with(lang, "notice-digest-subject", &[("count", &lang.number(items.len()))]);
    let intro = t.get(lang, "notice-digest-intro");
    let open = t.get(lang, "notice-open");
    let account = format!("{}/account", crate::federation::urls::base(&state.config));
    let why = t.get_with(lang, "notice-why", &[("node", &state.config.domain)]);
    let mut text = format!("{intro}\n");
    for item in items {
        text.push_str(&format!(
            "\n* {}\n  {}\n  {open}: {}\n",
            item.subject, item.intro, item.link
        ));
    }
    text.push_str(&format!("\n-- \n{why} {account}\n"));
    let html = maud::html! {
        (maud::DOCTYPE)
        html lang=(lang.code()) dir=(lang.dir()) {
            head { meta charset="utf-8"; title { (subject) } }
            body dir=(lang.dir()) {
                p { (intro) }
                ul {
                    @for item in items {
                        li { strong { (item.subject) } br; (item.intro) br; a href=(item.link) { (open) } }
                    }
                }
                hr;
                p { small { (why) " " a href=(account) { (account) } } }
            }
        }
    }
    .into_string();
    Rendered {
        intro,
        link: account,
        subject,
        text,
        html,
        lang,
    }
}

/// The message of a rendered notice to `to`; its Message-ID is the notice's
/// id (its idempotency key).
pub fn message(state: &AppState, smtp: &SmtpConfig, key: &str, to: &str, rendered: Rendered) -> Result<Message> {
    let from: Mailbox = smtp
        .from
        .parse()
        .map_err(|e| Error::Internal(anyhow::anyhow!("smtp.from does not read: {e}")))?;
    let to: Mailbox = to
        .parse()
        .map_err(|_| Error::BadRequest(format!("`{to}` is not an email address")))?;
    let host = state.config.domain.split(':').next().unwrap_or("localhost");
    let language = ContentLanguage(rendered.lang.code().to_string());
    Message::builder()
        .from(from)
        .to(to)
        .subject(rendered.subject)
        .message_id(Some(format!("<{key}@{host}>")))
        .header(language)
        .multipart(MultiPart::alternative_plain_html(rendered.text, rendered.html))
        .map_err(|e| Error::Internal(anyhow::anyhow!("building the message: {e}")))
}

/// How the mail server's certificate is checked: against the system's
/// authorities, and those of `smtp.ca_file` if given.
fn tls_parameters(smtp: &SmtpConfig) -> Result<TlsParameters> {
    let mut builder = TlsParameters::builder(smtp.host.clone());
    if let Some(path) = &smtp.ca_file {
        let certificate =
            crate::config::read_ca_file(path).map_err(|e| Error::Internal(anyhow::anyhow!("smtp.ca_file: {e}")))?;
        builder = builder.add_root_certificate(certificate);
    }
    builder
        .build_rustls()
        .map_err(|e| Error::Internal(anyhow::anyhow!("TLS for the mail server: {e}")))
}

fn transport(smtp: &SmtpConfig, timeout: Duration) -> Result<AsyncSmtpTransport<Tokio1Executor>> {
    let plain = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host);
    let builder = match smtp.tls {
        SmtpTls::None => plain,
        // Never on in the clear: STARTTLS is required, not tried.
        SmtpTls::Starttls => plain.tls(Tls::Required(tls_parameters(smtp)?)),
        SmtpTls::Tls => plain.tls(Tls::Wrapper(tls_parameters(smtp)?)),
    };
    let mut builder = builder.port(smtp.port).timeout(Some(timeout));
    if let Some((user, password)) = &smtp.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

/// What a refused send means. A refusal of this node itself (its
/// credentials, no sign-in method in common) is the operator's to fix in
/// the configuration: retried, with why, never given up on. Any other
/// permanent refusal is of the message or its address: for good.
fn failure(err: &lettre::transport::smtp::Error) -> Outcome {
    let code = err.status().map(|c| c.to_string());
    // lettre reports a failed handshake as a connection error: its text says which.
    let text = err.to_string().to_lowercase();
    if err.is_tls() || text.contains("certificate") || text.contains("tls") {
        return Outcome::Retry(format!(
            "no secure connection to the mail server (check smtp.tls and smtp.ca_file): {err}"
        ));
    }
    if matches!(code.as_deref(), Some("530" | "534" | "535" | "538"))
        || (err.is_client() && text.contains("authentication"))
    {
        return Outcome::Retry(format!(
            "the mail server refused this node's sign-in (check smtp.username and smtp.password): {err}"
        ));
    }
    if err.is_permanent() {
        Outcome::Failed(format!("the mail server refused it: {err}"))
    } else {
        Outcome::Retry(format!("the mail server did not take it: {err}"))
    }
}

/// What came of one attempt.
enum Outcome {
    Sent,
    /// Never to be sent (no address, refused for good).
    Failed(String),
    /// Its alert is gone: nothing to tell.
    Cancelled,
    Retry(String),
}

/// How many notices one pass claims at a time (a digest holds at most this many).
const BATCH: i64 = 64;

/// Sends every notice due, unless email is paused or not configured (then
/// they wait, queued). Returns how many were attempted.
pub async fn send_due(state: &AppState) -> Result<usize> {
    let Some(smtp) = state.config.smtp.clone() else {
        return Ok(0);
    };
    let mut attempted = 0;
    loop {
        if email_paused(state).await? {
            return Ok(attempted);
        }
        let lease = state.delivery_lease;
        let claimed = {
            let _turn = state.db.write_turn().await;
            let wall = chrono::Utc::now().timestamp_millis();
            let mut tx = state.db.pool.begin().await?;
            let claimed = notices::claim_due(
                &mut tx,
                &state.worker_id,
                to_millis(state.clock.now()),
                wall,
                wall + lease.num_milliseconds(),
                BATCH,
            )
            .await?;
            tx.commit().await?;
            claimed
        };
        if claimed.is_empty() {
            return Ok(attempted);
        }
        // A send never outlives the claim (another process would take the
        // notice over and send it too): cut off with a quarter of it left.
        let budget = lease.to_std().unwrap_or(Duration::from_secs(60)).mul_f64(0.75) / claimed.len() as u32;
        let transport = match transport(&smtp, budget) {
            Ok(transport) => transport,
            Err(err) => {
                // The configuration's to fix: each waits, with why.
                for notice in &claimed {
                    record(state, notice, Outcome::Retry(err.to_string())).await?;
                    attempted += 1;
                }
                continue;
            }
        };
        // A digest reader's notices due now go together, in one message.
        let mut batches: Vec<(bool, Vec<DueNotice>)> = Vec::new();
        for notice in claimed {
            let digest = subscription_of(notice.role, notice.settings.as_deref())
                .digest
                .is_some();
            match batches
                .iter_mut()
                .find(|(is_digest, b)| digest && *is_digest && b[0].user_id == notice.user_id)
            {
                Some((_, batch)) => batch.push(notice),
                None => batches.push((digest, vec![notice])),
            }
        }
        for (digest, batch) in batches {
            let sending = async {
                if digest {
                    send_digest(state, &smtp, &transport, &batch).await
                } else {
                    vec![send_one(state, &smtp, &transport, &batch[0]).await]
                }
            };
            let outcomes = match tokio::time::timeout(budget, sending).await {
                Ok(outcomes) => outcomes,
                Err(_) => {
                    let why = format!("no answer from the mail server within {:.1} s", budget.as_secs_f64());
                    batch.iter().map(|_| Outcome::Retry(why.clone())).collect()
                }
            };
            for (notice, outcome) in batch.iter().zip(outcomes) {
                record(state, notice, outcome).await?;
                attempted += 1;
            }
        }
    }
}

/// Sends one digest of `batch` (one reader's notices); the outcome of each.
async fn send_digest(
    state: &AppState,
    smtp: &SmtpConfig,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    batch: &[DueNotice],
) -> Vec<Outcome> {
    let first = &batch[0];
    let Some(to) = first.email.as_deref().filter(|e| !e.is_empty()) else {
        return batch
            .iter()
            .map(|_| Outcome::Failed("the recipient has no email address any more".into()))
            .collect();
    };
    let mut items = Vec::new();
    let mut outcomes: Vec<Option<Outcome>> = Vec::new();
    for notice in batch {
        match render(state, notice).await {
            Ok(Some(rendered)) => {
                items.push(rendered);
                outcomes.push(None);
            }
            Ok(None) => outcomes.push(Some(Outcome::Cancelled)),
            Err(err) => outcomes.push(Some(Outcome::Retry(format!("cannot render the notice: {err}")))),
        }
    }
    if !items.is_empty() {
        let lang = items[0].lang;
        let digest = compose_digest(state, lang, &items);
        // The first notice's id keys the digest: the same batch, sent again
        // after a crash, carries the same Message-ID.
        let sent = match message(state, smtp, &format!("digest-{}", first.id), to, digest) {
            Ok(message) => match transport.send(message).await {
                Ok(_) => Outcome::Sent,
                Err(err) => failure(&err),
            },
            Err(Error::BadRequest(why)) => Outcome::Failed(why),
            Err(err) => Outcome::Retry(err.to_string()),
        };
        for outcome in outcomes.iter_mut().filter(|o| o.is_none()) {
            *outcome = Some(match &sent {
                Outcome::Sent => Outcome::Sent,
                Outcome::Failed(why) => Outcome::Failed(why.clone()),
                Outcome::Cancelled => Outcome::Cancelled,
                Outcome::Retry(why) => Outcome::Retry(why.clone()),
            });
        }
    }
    outcomes.into_iter().map(|o| o.unwrap_or(Outcome::Cancelled)).collect()
}

async fn send_one(
    state: &AppState,
    smtp: &SmtpConfig,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    notice: &DueNotice,
) -> Outcome {
    let Some(to) = notice.email.as_deref().filter(|e| !e.is_empty()) else {
        return Outcome::Failed("the recipient has no email address any more".into());
    };
    let rendered = match render(state, notice).await {
        Ok(Some(rendered)) => rendered,
        Ok(None) => return Outcome::Cancelled,
        Err(err) => return Outcome::Retry(format!("cannot render the notice: {err}")),
    };
    let message = match message(state, smtp, &notice.id, to, rendered) {
        Ok(message) => message,
        Err(Error::BadRequest(why)) => return Outcome::Failed(why),
        Err(err) => return Outcome::Retry(err.to_string()),
    };
    match transport.send(message).await {
        Ok(_) => Outcome::Sent,
        Err(err) => failure(&err),
    }
}

async fn record(state: &AppState, notice: &DueNotice, outcome: Outcome) -> Result<()> {
    let now = state.clock.now();
    let owner = &state.worker_id;
    let _turn = state.db.write_turn().await;
    match outcome {
        Outcome::Sent => {
            notices::mark_sent(&state.db.pool, &notice.id, owner, to_millis(now)).await?;
        }
        Outcome::Failed(why) => {
            tracing::warn!(notice = %notice.id, %why, "email notice refused for good");
            notices::mark_failed(&state.db.pool, &notice.id, owner, &why).await?;
        }
        Outcome::Cancelled => {
            notices::mark_cancelled(&state.db.pool, &notice.id, owner).await?;
        }
        Outcome::Retry(why) => {
            let next = now + crate::federation::outbox::backoff(notice.attempts, None);
            tracing::info!(notice = %notice.id, %why, "email notice will be retried");
            notices::schedule_retry(&state.db.pool, &notice.id, owner, &why, to_millis(next)).await?;
        }
    }
    Ok(())
}
