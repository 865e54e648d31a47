//! A solidarity action: a member organisation's response to an alert. What a
//! client sends (`ActionInput`, every field optional so that one type serves
//! recording and correcting), and the checked result (`ActionDraft`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::alert::{MAX_LONG_TEXT, MAX_SHORT_TEXT, check_lang_map, check_optional_text};
use super::vocab::{ActionKind, ReportOutcome, SupportType};
use super::{FieldErrors, LangMap, LangMapSchema};

/// To record: `kind` and what the kind needs. To correct: any field but `kind`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionInput {
    pub kind: Option<ActionKind>,
    /// The statement, the report, or a note, per language: HTML, sanitised on
    /// input; required for `statement` and `report`.
    #[schema(value_type = Option<LangMapSchema>)]
    pub content: Option<LangMap>,
    /// Whether the alert's other recipients may see it (the origin always
    /// does); never for `support_offer`.
    #[schema(default = false)]
    pub shareable: Option<bool>,
    /// `letter_sent` only, required: to whom the letter went.
    #[schema(max_length = 300)]
    pub addressee: Option<String>,
    /// `pledge` only, required, in the future: when the commitment is due.
    pub due: Option<DateTime<Utc>>,
    /// `support_offer` only, required: what is offered.
    pub support_type: Option<SupportType>,
    /// `report` only, required: what came of it.
    pub outcome: Option<ReportOutcome>,
}

/// An action's fields, checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionDraft {
    pub kind: ActionKind,
    pub content: LangMap,
    pub shareable: bool,
    pub addressee: Option<String>,
    pub due: Option<DateTime<Utc>>,
    pub support_type: Option<SupportType>,
    pub outcome: Option<ReportOutcome>,
}

impl ActionDraft {
    /// A new action from input. Not shareable unless asked: only the alert's
    /// author sees a response until its organisation says otherwise.
    pub fn from_input(input: ActionInput) -> Result<Self, FieldErrors> {
        let Some(kind) = input.kind else {
            return Err(FieldErrors::single(
                "kind",
                format!(
                    "required: one of {}",
                    <ActionKind as strum::VariantNames>::VARIANTS.join(", ")
                ),
            ));
        };
        let empty = ActionDraft {
            kind,
            content: LangMap::new(),
            shareable: false,
            addressee: None,
            due: None,
            support_type: None,
            outcome: None,
        };
        empty.merged(input)
    }

    /// This action with the fields present in `input` replaced; the kind never changes.
    pub fn merged(mut self, input: ActionInput) -> Result<Self, FieldErrors> {
        if let Some(kind) = input.kind
            && kind != self.kind
        {
            return Err(FieldErrors::single(
                "kind",
                format!(
                    "an action's kind cannot change (it is `{}`); retract it and record a new one",
                    self.kind
                ),
            ));
        }
        if let Some(v) = input.content {
            self.content = v.into_iter().map(|(l, t)| (l, t.trim().to_string())).collect();
        }
        if let Some(v) = input.shareable {
            self.shareable = v;
        }
        if let Some(v) = input.addressee {
            self.addressee = Some(v.trim().to_string()).filter(|a| !a.is_empty());
        }
        if input.due.is_some() {
            self.due = input.due;
        }
        if input.support_type.is_some() {
            self.support_type = input.support_type;
        }
        if input.outcome.is_some() {
            self.outcome = input.outcome;
        }
        Ok(self)
    }

    /// Checks every rule for the action's kind; `due_changed` says whether a
    /// pledge's due date is new (only a new one must be in the future).
    pub fn validate(&self, now: DateTime<Utc>, due_changed: bool) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        let needs_text = matches!(self.kind, ActionKind::Statement | ActionKind::Report);
        check_lang_map(&mut errors, "content", &self.content, MAX_LONG_TEXT, needs_text);
        check_optional_text(&mut errors, "addressee", &self.addressee, MAX_SHORT_TEXT);
        let only_for = |errors: &mut FieldErrors, field: &str, present: bool, kind: ActionKind| {
            if present && self.kind != kind {
                errors.add(field, format!("only a `{kind}` action has a {field}"));
            } else if !present && self.kind == kind {
                errors.add(field, format!("required for a `{kind}` action"));
            }
        };
        only_for(
            &mut errors,
            "addressee",
            self.addressee.is_some(),
            ActionKind::LetterSent,
        );
        only_for(&mut errors, "due", self.due.is_some(), ActionKind::Pledge);
        only_for(
            &mut errors,
            "support_type",
            self.support_type.is_some(),
            ActionKind::SupportOffer,
        );
        only_for(&mut errors, "outcome", self.outcome.is_some(), ActionKind::Report);
        if let Some(due) = self.due
            && due_changed
            && due <= now
        {
            errors.add("due", "must be in the future");
        }
        if let Some(due) = self.due {
            super::check_date_range(&mut errors, "due", due);
        }
        if self.kind == ActionKind::SupportOffer && self.shareable {
            errors.add(
                "shareable",
                "offers of support are seen only by the alert's author organisation (and those it chooses)",
            );
        }
        errors.into_result()
    }
}
