//! What the shared analysis counts about an alert: one fact per dimension and
//! value (its violation types, perpetrators, business link, rights, place and
//! defenders), taken from the content every node may hold. Facts are written
//! with each version of an alert, ours or received, so that counting is one
//! `GROUP BY` over them and never reads the documents.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};
use utoipa::ToSchema;

use super::alert::AlertContent;
use super::vocab::Outcome;

/// What an alert is counted by.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    EnumString,
    IntoStaticStr,
    VariantArray,
    ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Dimension {
    Violation,
    /// The perpetrator's category.
    Perpetrator,
    /// How a perpetrator was involved (carried out, ordered…).
    Involvement,
    Sector,
    Company,
    Project,
    Financier,
    Right,
    Country,
    /// `CC/region`: a region is named within its country.
    Region,
    DefenderKind,
    /// `yes` when at least one defender is a woman defender, else `no`.
    WomanDefender,
    /// `YYYY-MM` of publication (UTC): trends over time.
    Month,
    /// What members were asked to do (letters, trial observation…).
    RequestedAction,
    /// How a closed alert ended.
    Outcome,
    /// How long a closed alert took from publication to its outcome, as one
    /// of [`TIME_TO_OUTCOME`]'s spans (never the exact days, which could
    /// point to one case).
    TimeToOutcome,
}

/// The spans of [`Dimension::TimeToOutcome`], shortest first: up to so
/// many days, and beyond the last.
pub const TIME_TO_OUTCOME: [(&str, i64); 5] = [
    ("up_to_7_days", 7),
    ("up_to_30_days", 30),
    ("up_to_90_days", 90),
    ("up_to_365_days", 365),
    ("over_365_days", i64::MAX),
];

/// The span of [`TIME_TO_OUTCOME`] that `closed - published` falls in.
pub fn time_to_outcome(published: DateTime<Utc>, closed: DateTime<Utc>) -> &'static str {
    let days = (closed - published).num_days().max(0);
    TIME_TO_OUTCOME
        .iter()
        .find(|(_, up_to)| days <= *up_to)
        .map(|(name, _)| *name)
        .unwrap_or("over_365_days")
}

/// How and when a closed alert ended, for its facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closing {
    pub outcome: Outcome,
    pub at: DateTime<Utc>,
}

impl Dimension {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether the values are names people typed (companies, projects…)
    /// rather than a vocabulary.
    pub fn is_free_text(self) -> bool {
        matches!(
            self,
            Dimension::Company | Dimension::Project | Dimension::Financier | Dimension::Region
        )
    }
}

/// Whether each alert has at most one value of `dimension`.
pub fn one_per_alert(dimension: Dimension) -> bool {
    use Dimension::*;
    matches!(
        dimension,
        Country | Region | Sector | Company | Project | Financier | WomanDefender | Month | Outcome | TimeToOutcome
    )
}

/// One thing an alert is counted under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fact {
    pub dimension: Dimension,
    pub value: String,
}

/// A name as typed, made comparable: spaces trimmed and collapsed, so that
/// "Minera  Sur " and "Minera Sur" count as one.
pub fn normalise_name(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The facts of an alert with `content` in `country`, published at
/// `published` (none before) and closed as `closing` says (if it is), each
/// once, in order.
pub fn facts_of(
    content: &AlertContent,
    country: &str,
    published: Option<DateTime<Utc>>,
    closing: Option<Closing>,
) -> Vec<Fact> {
    let mut facts = Vec::new();
    let mut add = |dimension: Dimension, value: &str| {
        let value = normalise_name(value);
        if !value.is_empty() {
            facts.push(Fact { dimension, value });
        }
    };
    for v in &content.violation_types {
        add(Dimension::Violation, v.as_str());
    }
    for p in &content.perpetrators {
        add(Dimension::Perpetrator, p.category.as_str());
        if let Some(involvement) = p.involvement {
            add(Dimension::Involvement, involvement.as_str());
        }
    }
    if let Some(link) = &content.business_link {
        add(Dimension::Sector, link.sector.as_str());
        for (dimension, name) in [
            (Dimension::Company, &link.company),
            (Dimension::Project, &link.project),
            (Dimension::Financier, &link.financier),
        ] {
            if let Some(name) = name {
                add(dimension, name);
            }
        }
    }
    for r in &content.rights_concerned {
        add(Dimension::Right, r.as_str());
    }
    add(Dimension::Country, country);
    if let Some(region) = content.region.as_deref().map(normalise_name).filter(|r| !r.is_empty()) {
        add(Dimension::Region, &format!("{country}/{region}"));
    }
    for d in &content.defenders {
        add(Dimension::DefenderKind, d.kind.as_str());
    }
    if !content.defenders.is_empty() {
        let woman = content.defenders.iter().any(|d| d.woman_defender);
        add(Dimension::WomanDefender, if woman { "yes" } else { "no" });
    }
    if let Some(published) = published {
        add(Dimension::Month, &published.format("%Y-%m").to_string());
    }
    for requested in &content.requested_actions {
        add(Dimension::RequestedAction, requested.kind.as_str());
    }
    if let Some(closing) = closing {
        add(Dimension::Outcome, closing.outcome.as_str());
        if let Some(published) = published {
            add(Dimension::TimeToOutcome, time_to_outcome(published, closing.at));
        }
    }
    facts.sort();
    facts.dedup();
    facts
}

/// The class of the tallies that counts an organisation's own released
/// alerts, whatever their audience: what it publishes across the network
/// (`services::network_analysis::own_aggregate`). A viewer's classes are
/// `*` and an organisation's id, so no view of the alerts one may see ever
/// counts it, and protection practice, which is about who saw what, leaves
/// it out.
pub fn author_class(org_id: &str) -> String {
    format!("{AUTHOR_CLASS_PREFIX}{org_id}")
}

const AUTHOR_CLASS_PREFIX: &str = "by:";

fn is_author_class(class: &str) -> bool {
    class.starts_with(AUTHOR_CLASS_PREFIX)
}

/// One count kept ready (`db::analysis`'s tallies): how many alerts that
/// viewers of `class` may count, published in `month`, have the fact
/// `first` and, unless it is empty, `second` (which sorts after it); with
/// both empty, how many are counted at all.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TallyKey {
    pub class: String,
    pub month: String,
    pub first: (String, String),
    pub second: (String, String),
}

/// The tallies an alert with `facts` (dimension and value, as stored) adds
/// one to, for each of `classes`: its total, each fact, and each pair of
/// facts, by its month of publication (a column, not a fact). About 200
/// for an alert of 20 facts: few enough to keep in the transaction that
/// writes the alert.
pub fn tally_keys(facts: &[(String, String)], classes: &[String]) -> Vec<TallyKey> {
    let month = Dimension::Month.as_str();
    let at = facts
        .iter()
        .find(|(d, _)| d == month)
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut others: Vec<&(String, String)> = facts.iter().filter(|(d, _)| d != month).collect();
    others.sort();
    others.dedup();
    let none = (String::new(), String::new());
    let mut keys = Vec::new();
    for class in classes {
        let key = |first: &(String, String), second: &(String, String)| TallyKey {
            class: class.clone(),
            month: at.clone(),
            first: first.clone(),
            second: second.clone(),
        };
        keys.push(key(&none, &none));
        // What an organisation publishes is its counts by one fact: its
        // author class needs no pairs.
        let pairs = !is_author_class(class);
        for (i, first) in others.iter().enumerate() {
            keys.push(key(first, &none));
            if pairs {
                for second in &others[i + 1..] {
                    keys.push(key(first, second));
                }
            }
        }
    }
    keys
}

/// One count of protection practice kept ready: how many closed alerts
/// that viewers of `class` may count, published in `month`, used
/// `practice` and ended with `outcome` after `span` ("" when unknown).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PracticeKey {
    pub class: String,
    pub month: String,
    pub practice: String,
    pub outcome: String,
    pub span: String,
}

/// The practice tallies a closed alert adds one to: `all` and what members
/// were asked to do (from its `facts`) for each of `classes`, who may see
/// the alert; and each response or offer in `seen` (practice and a class
/// that sees it, `*` for every organisation) for those who see both. None
/// for an alert that is not closed.
pub fn practice_keys(facts: &[(String, String)], classes: &[String], seen: &[(String, String)]) -> Vec<PracticeKey> {
    let fact = |dimension: Dimension| {
        facts
            .iter()
            .find(|(d, _)| d == dimension.as_str())
            .map(|(_, v)| v.clone())
    };
    let Some(outcome) = fact(Dimension::Outcome) else {
        return Vec::new();
    };
    let month = fact(Dimension::Month).unwrap_or_default();
    let span = fact(Dimension::TimeToOutcome).unwrap_or_default();
    let classes: Vec<String> = classes.iter().filter(|c| !is_author_class(c)).cloned().collect();
    let classes = &classes[..];
    let mut practices: BTreeMap<String, Vec<String>> = BTreeMap::new();
    practices.insert("all".into(), classes.to_vec());
    for (_, kind) in facts.iter().filter(|(d, _)| d == Dimension::RequestedAction.as_str()) {
        practices.insert(format!("requested:{kind}"), classes.to_vec());
    }
    let everyone = |c: &[String]| c.iter().any(|c| c == "*");
    let mut by_practice: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (practice, class) in seen {
        by_practice.entry(practice).or_default().push(class.clone());
    }
    for (practice, who) in by_practice {
        let both: Vec<String> = if everyone(&who) {
            classes.to_vec()
        } else if everyone(classes) {
            who
        } else {
            who.into_iter().filter(|c| classes.contains(c)).collect()
        };
        practices.insert(practice.to_string(), both);
    }
    let mut keys = Vec::new();
    for (practice, who) in practices {
        let mut who = who;
        who.sort();
        who.dedup();
        for class in who {
            keys.push(PracticeKey {
                class,
                month: month.clone(),
                practice: practice.clone(),
                outcome: outcome.clone(),
                span: span.clone(),
            });
        }
    }
    keys
}

/// A practice tally of the closed alerts with one fact, all months
/// together: what the practice of a view with one filter reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PracticeFactKey {
    pub class: String,
    pub fact: (String, String),
    pub practice: String,
    pub outcome: String,
    pub span: String,
}

/// [`practice_keys`] once more for each of the alert's facts but its month.
pub fn practice_fact_keys(
    facts: &[(String, String)],
    classes: &[String],
    seen: &[(String, String)],
) -> Vec<PracticeFactKey> {
    let keys = practice_keys(facts, classes, seen);
    let mut out = Vec::with_capacity(keys.len() * facts.len());
    for fact in facts.iter().filter(|(d, _)| d != Dimension::Month.as_str()) {
        for key in &keys {
            out.push(PracticeFactKey {
                class: key.class.clone(),
                fact: fact.clone(),
                practice: key.practice.clone(),
                outcome: key.outcome.clone(),
                span: key.span.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::{BusinessLink, Defender, Perpetrator};
    use crate::domain::vocab::*;

    #[test]
    fn an_alert_is_counted_once_under_each_of_its_values() {
        let defender = |kind, woman_defender| Defender {
            name: "x".into(),
            kind,
            woman_defender,
            relationship: DefenderRelationship::Member,
            anonymised: false,
        };
        let content = AlertContent {
            violation_types: vec![ViolationType::DeathThreat, ViolationType::DeathThreat],
            perpetrators: vec![
                Perpetrator {
                    category: PerpetratorCategory::PrivateSecurity,
                    involvement: Some(Involvement::CarriedOut),
                    details: None,
                },
                Perpetrator {
                    category: PerpetratorCategory::PrivateSecurity,
                    involvement: None,
                    details: None,
                },
            ],
            business_link: Some(BusinessLink {
                sector: BusinessSector::Mining,
                company: Some("  Minera   Sur ".into()),
                project: None,
                financier: Some("   ".into()),
            }),
            region: Some(" Sololá ".into()),
            defenders: vec![
                defender(DefenderKind::Individual, false),
                defender(DefenderKind::Individual, true),
            ],
            ..Default::default()
        };
        let facts: Vec<(String, String)> =
            facts_of(&content, "GT", Some("2026-11-20T10:00:00Z".parse().unwrap()), None)
                .into_iter()
                .map(|f| (f.dimension.as_str().to_string(), f.value))
                .collect();
        let expected = [
            ("violation", "death_threat"),
            ("perpetrator", "private_security"),
            ("involvement", "carried_out"),
            ("sector", "mining"),
            ("company", "Minera Sur"),
            ("country", "GT"),
            ("region", "GT/Sololá"),
            ("defender_kind", "individual"),
            ("woman_defender", "yes"),
            ("month", "2026-11"),
        ];
        let mut expected: Vec<(String, String)> =
            expected.iter().map(|(d, v)| (d.to_string(), v.to_string())).collect();
        expected.sort();
        let mut got = facts.clone();
        got.sort();
        assert_eq!(got, expected);
    }

    #[test]
    fn an_alert_is_tallied_once_per_class_under_its_total_each_fact_and_each_pair() {
        let fact = |d: &str, v: &str| (d.to_string(), v.to_string());
        let facts = [
            fact("violation", "threat"),
            fact("month", "2026-01"),
            fact("country", "GT"),
            fact("violation", "arrest"),
        ];
        let keys = tally_keys(&facts, &["*".to_string()]);
        let shown: Vec<String> = keys
            .iter()
            .map(|k| format!("{} {}={} {}={}", k.month, k.first.0, k.first.1, k.second.0, k.second.1))
            .collect();
        assert_eq!(
            shown,
            [
                "2026-01 = =",
                "2026-01 country=GT =",
                "2026-01 country=GT violation=arrest",
                "2026-01 country=GT violation=threat",
                "2026-01 violation=arrest =",
                "2026-01 violation=arrest violation=threat",
                "2026-01 violation=threat =",
            ]
        );
        let two = tally_keys(&facts, &["org-a".to_string(), "org-b".to_string()]);
        assert_eq!(two.len(), 14);
        assert!(tally_keys(&facts, &[]).is_empty());
    }

    #[test]
    fn a_practice_counts_for_those_who_see_both_the_alert_and_the_response() {
        let fact = |d: &str, v: &str| (d.to_string(), v.to_string());
        let open = [fact("month", "2026-01"), fact("requested_action", "letter")];
        let s = |v: &[&str]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        let seen = [
            fact("action:letter", "*"),
            fact("support:relocation", "org-a"),
            fact("support:relocation", "org-c"),
        ];
        assert!(practice_keys(&open, &s(&["*"]), &seen).is_empty(), "not closed");
        let mut closed = open.to_vec();
        closed.extend([fact("outcome", "released"), fact("time_to_outcome", "up_to_7_days")]);
        let shown = |keys: Vec<PracticeKey>| -> Vec<String> {
            keys.into_iter()
                .map(|k| format!("{} {} {} {} {}", k.class, k.practice, k.month, k.outcome, k.span))
                .collect()
        };
        assert_eq!(
            shown(practice_keys(&closed, &s(&["*"]), &seen)),
            [
                "* action:letter 2026-01 released up_to_7_days",
                "* all 2026-01 released up_to_7_days",
                "* requested:letter 2026-01 released up_to_7_days",
                "org-a support:relocation 2026-01 released up_to_7_days",
                "org-c support:relocation 2026-01 released up_to_7_days",
            ]
        );
        // A restricted alert, for org-a and org-b: only org-a sees the offer.
        let restricted = shown(practice_keys(&closed, &s(&["org-a", "org-b"]), &seen));
        assert!(restricted.contains(&"org-b action:letter 2026-01 released up_to_7_days".to_string()));
        assert!(restricted.contains(&"org-a support:relocation 2026-01 released up_to_7_days".to_string()));
        assert!(!restricted.iter().any(|k| k.starts_with("org-c") || k.starts_with("* ")));
        assert!(practice_keys(&closed, &[], &seen).is_empty(), "seen by nobody");
        // The author's class counts the alert, not who saw its responses.
        let author = author_class("org-a");
        assert_eq!(
            practice_keys(&closed, &[s(&["org-a", "org-b"]), vec![author.clone()]].concat(), &seen),
            practice_keys(&closed, &s(&["org-a", "org-b"]), &seen)
        );
        // …and only by one fact at a time: its total and each fact.
        let authored = tally_keys(&closed, std::slice::from_ref(&author));
        assert_eq!(
            authored.len(),
            1 + 3,
            "the total and three facts besides the month: {authored:?}"
        );
        assert!(authored.iter().all(|k| k.second.0.is_empty()), "{authored:?}");
        // With each fact but the month: requested_action, outcome and span.
        let by_fact = practice_fact_keys(&closed, &s(&["*"]), &seen);
        assert_eq!(by_fact.len(), 3 * 5);
        assert!(by_fact.iter().all(|k| k.fact.0 != "month"));
    }
}
