//! Notices: which alerts a staff member wants to hear of (their
//! subscription), the defaults of each role, and whether an alert matches.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::FieldErrors;
use super::vocab::{Audience, BusinessSector, Right, Role, Urgency, ViolationType};

/// How long before an alert's expiry its organisation is reminded of it.
pub const EXPIRY_NOTICE_AHEAD: chrono::Duration = chrono::Duration::hours(24);

/// The most entries one filter list may hold.
pub const MAX_FILTER_ENTRIES: usize = 50;

/// Which alerts a staff member is told of, and whether they hear of their own
/// organisation's alerts. Every list narrows: an empty list is no condition,
/// a list with entries asks the alert to carry at least one of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Subscription {
    /// Alerts at or above this urgency (`immediate` is the highest, then
    /// `expected`, `future`, `unknown`, `past`); none: no notices of alerts
    /// from other organisations.
    #[serde(default)]
    pub min_urgency: Option<Urgency>,
    /// ISO 3166-1 alpha-2 codes.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub countries: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub violation_types: Vec<ViolationType>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub rights: Vec<Right>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub sectors: Vec<BusinessSector>,
    /// Groups, by their actor id: alerts addressed to one of them.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub groups: Vec<String>,
    /// Author organisations, by their actor id.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub organisations: Vec<String>,
    /// Languages the alert is written in (BCP 47 tags such as `en`, `ar`).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub languages: Vec<String>,
    /// Notices about their own organisation's alerts (review requested,
    /// returned, published); false also turns off the three below unless
    /// they are set.
    #[serde(default = "yes")]
    pub own_organisation: bool,
    /// Another organisation responded to one of their organisation's alerts
    /// (a solidarity action, here or from the network). None: the role's
    /// default (coordinators and admins).
    #[serde(default)]
    pub responses: Option<bool>,
    /// One of their organisation's pledges is past its due date with no
    /// report since. None: the role's default (all who record actions).
    #[serde(default)]
    pub overdue_pledges: Option<bool>,
    /// One of their organisation's open alerts expires within a day (update
    /// or close it). None: the role's default (coordinators and admins).
    #[serde(default)]
    pub expiry_near: Option<bool>,
    /// One email a day with everything since the last, instead of one per
    /// notice; none: each at once.
    #[serde(default)]
    pub digest: Option<DigestTime>,
}

/// When a daily digest goes: an hour of the day in the recipient's named
/// time zone (which follows summer time), or at a fixed offset from UTC
/// (how earlier settings read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DigestTime {
    /// 0–23, in the recipient's time.
    pub hour: u8,
    /// The recipient's time zone, by its IANA name (`Africa/Cairo`,
    /// `America/Bogota`); when given, `utc_offset_minutes` is not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Africa/Cairo", nullable = false)]
    pub time_zone: Option<String>,
    /// Without a time zone: the recipient's offset from UTC in minutes
    /// (-720 to 840; Cairo in winter is 120, Bogotá -300).
    #[serde(default)]
    pub utc_offset_minutes: i32,
}

impl DigestTime {
    /// The first digest time strictly after `now`.
    pub fn next_after(&self, now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
        if let Some(zone) = self.time_zone.as_deref().and_then(time_zone) {
            return next_in_zone(zone, self.hour.min(23), now);
        }
        let offset = chrono::Duration::minutes(i64::from(self.utc_offset_minutes));
        let local = now + offset;
        let today = local
            .date_naive()
            // Checked when saved; a stored hour out of range (written by
            // hand) is read as the day's last rather than stop the worker.
            .and_hms_opt(u32::from(self.hour.min(23)), 0, 0)
            .expect("an hour of 0-23 is a time")
            .and_utc();
        let at = if today > local {
            today
        } else {
            today + chrono::Duration::days(1)
        };
        at - offset
    }
}

/// The first time after `now` that the clock in `zone` shows `hour`:00. A
/// day on which that hour does not exist (summer time begins) takes the
/// first moment after the gap; one on which it comes twice, the first.
fn next_in_zone(zone: chrono_tz::Tz, hour: u8, now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let today = now.with_timezone(&zone).date_naive();
    for day in 0..3 {
        let date = today + chrono::Duration::days(day);
        let local = date
            .and_hms_opt(u32::from(hour), 0, 0)
            .expect("an hour of 0-23 is a time");
        let at = match zone.from_local_datetime(&local) {
            chrono::LocalResult::Single(at) | chrono::LocalResult::Ambiguous(at, _) => at.with_timezone(&chrono::Utc),
            chrono::LocalResult::None => {
                // In a gap: the hour after it exists.
                match zone.from_local_datetime(&(local + chrono::Duration::hours(1))) {
                    chrono::LocalResult::Single(at) | chrono::LocalResult::Ambiguous(at, _) => {
                        at.with_timezone(&chrono::Utc)
                    }
                    chrono::LocalResult::None => continue,
                }
            }
        };
        if at > now {
            return at;
        }
    }
    now + chrono::Duration::days(1)
}

/// The time zone of an IANA name such as `Africa/Cairo`, in any case
/// (people type `africa/cairo` too).
pub fn time_zone(name: &str) -> Option<chrono_tz::Tz> {
    let name = name.trim();
    name.parse::<chrono_tz::Tz>().ok().or_else(|| {
        chrono_tz::TZ_VARIANTS
            .iter()
            .find(|tz| tz.name().eq_ignore_ascii_case(name))
            .copied()
    })
}

fn yes() -> bool {
    true
}

impl Subscription {
    /// What a staff member of `role` is told of before choosing anything:
    /// those who release alerts hear of every immediate one at once; members
    /// and viewers only of their own organisation's.
    pub fn default_for(role: Role) -> Subscription {
        Subscription {
            min_urgency: role.can_publish().then_some(Urgency::Immediate),
            countries: Vec::new(),
            violation_types: Vec::new(),
            rights: Vec::new(),
            sectors: Vec::new(),
            groups: Vec::new(),
            organisations: Vec::new(),
            languages: Vec::new(),
            own_organisation: true,
            responses: Some(role.can_publish()),
            overdue_pledges: Some(role.can_draft()),
            expiry_near: Some(role.can_publish()),
            digest: None,
        }
    }

    /// The subscription with every choice left to the role made: a notice
    /// about one's organisation that is not set follows the role's default,
    /// and is off for one who turned their organisation's notices off.
    pub fn resolved(mut self, role: Role) -> Subscription {
        let defaults = Subscription::default_for(role);
        let own = self.own_organisation;
        let pick = |mine: Option<bool>, default: Option<bool>| Some(mine.unwrap_or(own && default.unwrap_or(false)));
        self.responses = pick(self.responses, defaults.responses);
        self.overdue_pledges = pick(self.overdue_pledges, defaults.overdue_pledges);
        self.expiry_near = pick(self.expiry_near, defaults.expiry_near);
        self
    }

    /// Whether a notice of `kind` about one's own organisation is wanted
    /// (by a staff member of `role`, or a webhook as an admin's).
    pub fn wants_own(&self, kind: NoticeKind, role: Role) -> bool {
        let resolved = self.clone().resolved(role);
        match kind {
            NoticeKind::ReviewRequested | NoticeKind::ReturnedToDraft | NoticeKind::Published => self.own_organisation,
            NoticeKind::NewResponse => resolved.responses == Some(true),
            NoticeKind::PledgeOverdue => resolved.overdue_pledges == Some(true),
            NoticeKind::ExpiryNear => resolved.expiry_near == Some(true),
            NoticeKind::NetworkAlert | NoticeKind::LocalAlert => false,
        }
    }

    /// Normalises (upper-case countries, lower-case languages, no repeats)
    /// and checks every entry, with one message per field.
    pub fn checked(mut self) -> Result<Subscription, FieldErrors> {
        let mut errors = FieldErrors::default();
        for code in &mut self.countries {
            *code = code.trim().to_ascii_uppercase();
        }
        for tag in &mut self.languages {
            *tag = tag.trim().to_ascii_lowercase();
        }
        for (i, code) in self.countries.iter().enumerate() {
            if isocountry::CountryCode::for_alpha2(code).is_err() {
                errors.add(
                    format!("countries[{i}]"),
                    format!("`{code}` is not an ISO 3166-1 alpha-2 country code such as `CO` or `EG`"),
                );
            }
        }
        for (i, tag) in self.languages.iter().enumerate() {
            if !is_language_tag(tag) {
                errors.add(
                    format!("languages[{i}]"),
                    format!("`{tag}` is not a language tag such as `en`, `ar` or `pt-br`"),
                );
            }
        }
        for (field, list) in [("groups", &self.groups), ("organisations", &self.organisations)] {
            for (i, id) in list.iter().enumerate() {
                let ok = url::Url::parse(id).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
                if !ok {
                    errors.add(
                        format!("{field}[{i}]"),
                        format!("`{id}` is not an actor id (an https URL such as https://node.example/orgs/name)"),
                    );
                }
            }
        }
        for (field, len) in [
            ("countries", self.countries.len()),
            ("violation_types", self.violation_types.len()),
            ("rights", self.rights.len()),
            ("sectors", self.sectors.len()),
            ("groups", self.groups.len()),
            ("organisations", self.organisations.len()),
            ("languages", self.languages.len()),
        ] {
            if len > MAX_FILTER_ENTRIES {
                errors.add(field, format!("at most {MAX_FILTER_ENTRIES} entries"));
            }
        }
        if let Some(digest) = &mut self.digest {
            if digest.hour > 23 {
                errors.add("digest.hour", "an hour of the day, 0 to 23");
            }
            if !(-720..=840).contains(&digest.utc_offset_minutes) {
                errors.add("digest.utc_offset_minutes", "minutes from UTC, -720 to 840");
            }
            if let Some(zone) = &digest.time_zone {
                let zone = zone.trim().to_string();
                match time_zone(&zone) {
                    // Stored as the database names it (`africa/cairo` reads as `Africa/Cairo`).
                    Some(tz) => digest.time_zone = Some(tz.name().to_string()),
                    None => errors.add(
                        "digest.time_zone",
                        format!("`{zone}` is not a time zone name such as Africa/Cairo or America/Bogota"),
                    ),
                }
            }
        }
        dedupe(&mut self.countries);
        dedupe(&mut self.languages);
        dedupe(&mut self.groups);
        dedupe(&mut self.organisations);
        dedupe(&mut self.violation_types);
        dedupe(&mut self.rights);
        dedupe(&mut self.sectors);
        if errors.0.is_empty() { Ok(self) } else { Err(errors) }
    }

    /// Whether an alert from another organisation is one to be told of.
    pub fn matches(&self, alert: &AlertFacts) -> bool {
        let Some(min) = self.min_urgency else {
            return false;
        };
        urgency_rank(alert.urgency) >= urgency_rank(min)
            && any_or_none(&self.countries, std::slice::from_ref(&alert.country))
            && any_or_none(&self.violation_types, &alert.violation_types)
            && any_or_none(&self.rights, &alert.rights)
            && any_or_none(&self.sectors, &alert.sectors)
            && any_or_none(&self.groups, &alert.groups)
            && any_or_none(&self.organisations, std::slice::from_ref(&alert.author))
            && any_or_none(&self.languages, &alert.languages)
    }
}

fn dedupe<T: Ord>(list: &mut Vec<T>) {
    list.sort();
    list.dedup();
}

/// No condition when `wanted` is empty; otherwise one of them must be in `has`.
fn any_or_none<T: PartialEq>(wanted: &[T], has: &[T]) -> bool {
    wanted.is_empty() || wanted.iter().any(|w| has.contains(w))
}

/// How pressing an urgency is, for "at or above": an alert of unknown
/// urgency may be pressing, so it ranks above one whose action is past.
pub fn urgency_rank(urgency: Urgency) -> u8 {
    match urgency {
        Urgency::Immediate => 4,
        Urgency::Expected => 3,
        Urgency::Future => 2,
        Urgency::Unknown => 1,
        Urgency::Past => 0,
    }
}

fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_lowercase())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// What a subscription looks at in an alert, wherever the alert comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertFacts {
    pub urgency: Urgency,
    pub audience: Audience,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    pub violation_types: Vec<ViolationType>,
    pub rights: Vec<Right>,
    pub sectors: Vec<BusinessSector>,
    /// The groups (actor ids) it is addressed to.
    pub groups: Vec<String>,
    /// The author organisation's actor id.
    pub author: String,
    /// The languages its title is written in.
    pub languages: Vec<String>,
}

/// Whether a notice of an alert with this audience may carry its content.
/// Email and webhooks cross servers nobody here controls: a `trusted` or
/// `restricted` alert (or one for this node only) is named by a reference
/// and a link, nothing more.
pub fn may_carry_content(audience: Audience) -> bool {
    matches!(audience, Audience::Public | Audience::Network)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> AlertFacts {
        AlertFacts {
            urgency: Urgency::Expected,
            audience: Audience::Network,
            country: "CO".into(),
            violation_types: vec![ViolationType::DeathThreat],
            rights: vec![Right::Land],
            sectors: vec![BusinessSector::Mining],
            groups: vec!["https://a.example/groups/latam".into()],
            author: "https://a.example/orgs/one".into(),
            languages: vec!["es".into()],
        }
    }

    #[test]
    fn urgency_at_or_above_the_level() {
        let mut s = Subscription::default_for(Role::Viewer);
        assert!(!s.matches(&facts()), "no level: no alert notices");
        s.min_urgency = Some(Urgency::Immediate);
        assert!(!s.matches(&facts()));
        s.min_urgency = Some(Urgency::Expected);
        assert!(s.matches(&facts()));
        s.min_urgency = Some(Urgency::Future);
        assert!(s.matches(&facts()));
    }

    #[test]
    fn each_list_narrows_and_an_empty_one_does_not() {
        let base = Subscription {
            min_urgency: Some(Urgency::Past),
            ..Subscription::default_for(Role::Viewer)
        };
        assert!(base.matches(&facts()));
        let cases: Vec<(Subscription, Subscription)> = vec![
            (
                Subscription {
                    countries: vec!["CO".into(), "EG".into()],
                    ..base.clone()
                },
                Subscription {
                    countries: vec!["EG".into()],
                    ..base.clone()
                },
            ),
            (
                Subscription {
                    violation_types: vec![ViolationType::DeathThreat],
                    ..base.clone()
                },
                Subscription {
                    violation_types: vec![ViolationType::TortureIllTreatment],
                    ..base.clone()
                },
            ),
            (
                Subscription {
                    rights: vec![Right::Land],
                    ..base.clone()
                },
                Subscription {
                    rights: vec![Right::Water],
                    ..base.clone()
                },
            ),
            (
                Subscription {
                    sectors: vec![BusinessSector::Mining],
                    ..base.clone()
                },
                Subscription {
                    sectors: vec![BusinessSector::Logging],
                    ..base.clone()
                },
            ),
            (
                Subscription {
                    groups: vec!["https://a.example/groups/latam".into()],
                    ..base.clone()
                },
                Subscription {
                    groups: vec!["https://a.example/groups/mena".into()],
                    ..base.clone()
                },
            ),
            (
                Subscription {
                    organisations: vec!["https://a.example/orgs/one".into()],
                    ..base.clone()
                },
                Subscription {
                    organisations: vec!["https://a.example/orgs/two".into()],
                    ..base.clone()
                },
            ),
            (
                Subscription {
                    languages: vec!["es".into()],
                    ..base.clone()
                },
                Subscription {
                    languages: vec!["ar".into()],
                    ..base.clone()
                },
            ),
        ];
        for (matching, other) in cases {
            assert!(matching.matches(&facts()), "{matching:?}");
            assert!(!other.matches(&facts()), "{other:?}");
        }
    }

    #[test]
    fn coordinators_hear_of_immediate_alerts_by_default() {
        let immediate = AlertFacts {
            urgency: Urgency::Immediate,
            ..facts()
        };
        assert!(Subscription::default_for(Role::Coordinator).matches(&immediate));
        assert!(Subscription::default_for(Role::Admin).matches(&immediate));
        assert!(!Subscription::default_for(Role::Coordinator).matches(&facts()));
        assert!(!Subscription::default_for(Role::Member).matches(&immediate));
    }

    #[test]
    fn a_digest_goes_at_the_next_hour_in_the_recipients_time() {
        let at = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .with_timezone(&chrono::Utc)
        };
        let cairo_eight = DigestTime {
            hour: 8,
            time_zone: None,
            utc_offset_minutes: 120,
        };
        assert_eq!(
            cairo_eight.next_after(at("2026-12-04T05:59:00Z")),
            at("2026-12-04T06:00:00Z")
        );
        assert_eq!(
            cairo_eight.next_after(at("2026-12-04T06:00:00Z")),
            at("2026-12-05T06:00:00Z")
        );
        let bogota_six = DigestTime {
            hour: 6,
            time_zone: None,
            utc_offset_minutes: -300,
        };
        assert_eq!(
            bogota_six.next_after(at("2026-12-04T23:00:00Z")),
            at("2026-12-05T11:00:00Z")
        );
    }

    #[test]
    fn a_named_time_zone_follows_summer_time() {
        let at = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .with_timezone(&chrono::Utc)
        };
        let digest = |zone: &str, hour: u8| DigestTime {
            hour,
            time_zone: Some(zone.into()),
            utc_offset_minutes: 0,
        };
        // Cairo: UTC+2 in winter, UTC+3 in summer (since 2023).
        assert_eq!(
            digest("Africa/Cairo", 8).next_after(at("2026-12-04T05:00:00Z")),
            at("2026-12-04T06:00:00Z")
        );
        assert_eq!(
            digest("Africa/Cairo", 8).next_after(at("2026-07-01T04:00:00Z")),
            at("2026-07-01T05:00:00Z")
        );
        // Madrid on the day summer time begins (29 March 2026): 02:00 does not exist.
        assert_eq!(
            digest("Europe/Madrid", 2).next_after(at("2026-03-28T23:30:00Z")),
            at("2026-03-29T01:00:00Z")
        );
        // After today's hour: tomorrow's.
        assert_eq!(
            digest("America/Bogota", 6).next_after(at("2026-12-04T11:00:00Z")),
            at("2026-12-05T11:00:00Z")
        );
        // Checked: an unknown zone is named; a known one is spelt as the database does.
        let s = Subscription {
            digest: Some(digest("Mars/Olympus", 8)),
            ..Subscription::default_for(Role::Member)
        };
        assert!(s.checked().unwrap_err().0.contains_key("digest.time_zone"));
        let s = Subscription {
            digest: Some(digest("africa/cairo", 8)),
            ..Subscription::default_for(Role::Member)
        };
        assert_eq!(
            s.checked().unwrap().digest.unwrap().time_zone.as_deref(),
            Some("Africa/Cairo")
        );
    }

    #[test]
    fn notices_of_ones_own_organisation_follow_the_role_until_chosen() {
        let stored = |json: &str, role: Role| subscription_of(role, Some(json));
        let coordinator = stored("{}", Role::Coordinator);
        assert!(coordinator.wants_own(NoticeKind::NewResponse, Role::Coordinator));
        assert!(coordinator.wants_own(NoticeKind::ExpiryNear, Role::Coordinator));
        assert!(coordinator.wants_own(NoticeKind::PledgeOverdue, Role::Coordinator));
        let member = stored("{}", Role::Member);
        assert!(!member.wants_own(NoticeKind::NewResponse, Role::Member));
        assert!(!member.wants_own(NoticeKind::ExpiryNear, Role::Member));
        assert!(member.wants_own(NoticeKind::PledgeOverdue, Role::Member));
        let viewer = stored("{}", Role::Viewer);
        assert!(!viewer.wants_own(NoticeKind::PledgeOverdue, Role::Viewer));
        // Turning one's organisation's notices off turns the defaults off too.
        let off = stored(r#"{"own_organisation": false}"#, Role::Admin);
        assert!(!off.wants_own(NoticeKind::NewResponse, Role::Admin));
        assert!(!off.wants_own(NoticeKind::Published, Role::Admin));
        // A choice stands whatever the role.
        let chosen = stored(r#"{"responses": true, "expiry_near": false}"#, Role::Viewer);
        assert!(chosen.wants_own(NoticeKind::NewResponse, Role::Viewer));
        let chosen = stored(r#"{"expiry_near": false}"#, Role::Admin);
        assert!(!chosen.wants_own(NoticeKind::ExpiryNear, Role::Admin));
    }

    #[test]
    fn bad_entries_are_named() {
        let s = Subscription {
            countries: vec!["co".into(), "XX".into()],
            languages: vec!["English".into()],
            groups: vec!["latam".into()],
            ..Subscription::default_for(Role::Member)
        };
        let errors = s.checked().unwrap_err();
        assert!(errors.0.contains_key("countries[1]"), "{errors:?}");
        assert!(errors.0.contains_key("languages[0]"), "{errors:?}");
        assert!(errors.0.contains_key("groups[0]"), "{errors:?}");
        assert!(
            !errors.0.contains_key("countries[0]"),
            "lower case is accepted: {errors:?}"
        );
    }
}

/// What a notice is about. The alert it names is read again when it is sent,
/// so that a message never says more than the alert does by then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// An alert received from another node matches the subscription.
    NetworkAlert,
    /// Another organisation of this node published a matching alert.
    LocalAlert,
    /// An alert of one's organisation was submitted for review.
    ReviewRequested,
    /// An alert of one's organisation was returned to its drafters.
    ReturnedToDraft,
    /// An alert of one's organisation was published.
    Published,
    /// Another organisation responded to an alert of one's organisation
    /// (the subject is the action's id).
    NewResponse,
    /// A pledge of one's organisation is past due with no report since (the
    /// subject is the pledge's id).
    PledgeOverdue,
    /// An open alert of one's organisation expires within a day.
    ExpiryNear,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::NetworkAlert => "network_alert",
            NoticeKind::LocalAlert => "local_alert",
            NoticeKind::ReviewRequested => "review_requested",
            NoticeKind::ReturnedToDraft => "returned_to_draft",
            NoticeKind::Published => "published",
            NoticeKind::NewResponse => "new_response",
            NoticeKind::PledgeOverdue => "pledge_overdue",
            NoticeKind::ExpiryNear => "expiry_near",
        }
    }

    pub fn parse(text: &str) -> Option<NoticeKind> {
        [
            NoticeKind::NetworkAlert,
            NoticeKind::LocalAlert,
            NoticeKind::ReviewRequested,
            NoticeKind::ReturnedToDraft,
            NoticeKind::Published,
            NoticeKind::NewResponse,
            NoticeKind::PledgeOverdue,
            NoticeKind::ExpiryNear,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }

    /// Whether the subject is an alert received from another node (else one of ours).
    pub fn about_network_alert(self) -> bool {
        self == NoticeKind::NetworkAlert
    }

    /// Whether the subject is a solidarity action (its ActivityPub id),
    /// whose alert the notice names.
    pub fn about_action(self) -> bool {
        matches!(self, NoticeKind::NewResponse | NoticeKind::PledgeOverdue)
    }
}

/// A stored subscription, or the role's defaults when there is none (or it
/// no longer reads: a subscription written by a newer version).
pub fn subscription_of(role: Role, stored: Option<&str>) -> Subscription {
    match stored.map(serde_json::from_str::<Subscription>) {
        Some(Ok(subscription)) => subscription.resolved(role),
        Some(Err(err)) => {
            tracing::warn!(%err, "a stored subscription does not read; the role's defaults apply");
            Subscription::default_for(role)
        }
        None => Subscription::default_for(role),
    }
}
