//! What lists and counts read of an alert, stored next to it with each
//! version: the dashboard's sort keys and facets, and the shared analysis's
//! facts. Apart from the alert itself because it draws on both the alert and
//! the analysis.

use chrono::{DateTime, Utc};

use super::alert::{AlertContent, urgency_rank};
use super::vocab::Urgency;

/// What the staff dashboard sorts and filters an alert by, stored next to it
/// with each version (`urgency_rank`, `next_deadline`, `titles`, `facets`) so
/// that one query can order and filter our alerts and received ones alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListKeys {
    /// 0 for the most urgent (see [`urgency_rank`]).
    pub urgency_rank: i64,
    /// The earliest deadline of its requested actions, in Unix milliseconds.
    pub next_deadline: Option<i64>,
    /// The title in each language, as a JSON object.
    pub titles: String,
    /// The rights, business sector and groups it concerns, each as a
    /// [`facet`], one after another.
    pub facets: String,
    /// What the shared analysis counts it under.
    pub facts: Vec<super::analysis::Fact>,
}

impl ListKeys {
    /// The keys of an alert with `content`, in `country`, published at
    /// `published` (none before), and how it ended if it is closed.
    pub fn of(
        content: &AlertContent,
        urgency: Urgency,
        country: &str,
        published: Option<DateTime<Utc>>,
        closing: Option<super::analysis::Closing>,
    ) -> Self {
        let mut facets = String::from("\n");
        let mut add = |kind: &str, value: &str| {
            facets.push_str(kind);
            facets.push(':');
            facets.push_str(value);
            facets.push('\n');
        };
        for right in &content.rights_concerned {
            add("right", right.as_str());
        }
        if let Some(link) = &content.business_link {
            add("sector", link.sector.as_str());
        }
        for group in &content.groups {
            add("group", group);
        }
        ListKeys {
            urgency_rank: urgency_rank(urgency),
            next_deadline: content
                .requested_actions
                .iter()
                .filter_map(|a| a.deadline)
                .min()
                .map(|d| d.timestamp_millis()),
            titles: serde_json::to_string(&content.title).unwrap_or_else(|_| "{}".into()),
            facets,
            facts: super::analysis::facts_of(content, country, published, closing),
        }
    }

    /// The keys of an alert with no content (a withdrawn one's tombstone).
    pub fn empty() -> Self {
        ListKeys {
            urgency_rank: urgency_rank(Urgency::Unknown),
            next_deadline: None,
            titles: "{}".into(),
            facets: String::new(),
            facts: Vec::new(),
        }
    }
}
