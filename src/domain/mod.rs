//! Domain types shared by the API, the CLI and (later) federation: vocabularies,
//! the alert and its checks.

pub mod action;
pub mod alert;
pub mod vocab;

use std::collections::BTreeMap;

use serde::Serialize;

/// Text per language, keyed by BCP 47 tag (`{"en": "…", "ar": "…"}`).
pub type LangMap = BTreeMap<String, String>;

/// A light BCP 47 shape check: a 2–3 letter primary language and optional
/// alphanumeric subtags of up to 8 characters (en, es-419, pt-BR, zh-Hant).
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Validation errors, one message per field path (`defenders[0].name`).
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_insert_with(|| message.into());
    }
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.add(field, message);
        errors
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags() {
        for ok in ["en", "ar", "es-419", "pt-BR", "zh-Hant"] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in ["", "e", "english", "en_GB", "en-", "<b>"] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }
}
