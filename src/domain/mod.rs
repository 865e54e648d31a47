//! Domain types shared by the API, the CLI and (later) federation: vocabularies,
//! the alert and its checks.

pub mod action;
pub mod alert;
pub mod analysis;
pub mod html;
pub mod list_keys;
pub mod notify;
pub mod vocab;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Text per language, keyed by BCP 47 tag (`{"en": "…", "ar": "…"}`).
pub type LangMap = BTreeMap<String, String>;

/// [`LangMap`] as the API description names it: fields holding text per
/// language refer to this one schema (`#[schema(value_type = LangMapSchema)]`),
/// since a type alias cannot carry a schema of its own.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(
    as = LangMap,
    description = "Text per language, keyed by BCP 47 tag.",
    example = json!({"en": "…", "ar": "…"})
)]
pub struct LangMapSchema {
    // A `LangMap`, spelled out: the schema derive sees a map only by its type.
    #[serde(flatten)]
    pub languages: BTreeMap<String, String>,
}

/// A light BCP 47 shape check: a 2–3 letter primary language and optional
/// alphanumeric subtags of up to 8 characters (en, es-419, pt-BR, zh-Hant).
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// The earliest date a field may hold: nothing this node records (a consent,
/// a deadline, an expiry) is older, and a year such as −9999 is a typo or a
/// probe, not a date.
pub const EARLIEST_DATE: &str = "1900-01-01T00:00:00Z";
/// The latest date a field may hold, for the same reason.
pub const LATEST_DATE: &str = "2200-01-01T00:00:00Z";

/// Refuses a date outside [`EARLIEST_DATE`]..[`LATEST_DATE`].
pub fn check_date_range(errors: &mut FieldErrors, field: &str, date: DateTime<Utc>) {
    let earliest: DateTime<Utc> = EARLIEST_DATE.parse().expect("a valid constant date");
    let latest: DateTime<Utc> = LATEST_DATE.parse().expect("a valid constant date");
    if date < earliest || date > latest {
        errors.add(
            field,
            format!("`{date}` is not a plausible date: it must be between {EARLIEST_DATE} and {LATEST_DATE}"),
        );
    }
}

/// Characters that show nothing: format characters (zero-width spaces and
/// joiners, direction marks, word joiners, the byte-order mark), fillers
/// that render blank, variation selectors and tags.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
            | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{2800}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
            | '\u{FFA0}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// Whether a text shows nothing at all: empty, blank, or only invisible characters.
pub fn is_blank(text: &str) -> bool {
    text.chars().all(is_invisible)
}

/// The message for a text carrying NUL, which PostgreSQL cannot store and
/// SQLite can: refused everywhere, so that both backends behave alike.
pub const NUL_MESSAGE: &str = "must not contain the NUL character (U+0000)";

/// The path (`title.en`, `defenders[0].name`, as in other field errors) of
/// the first string or key in `value` that contains NUL, if one does.
pub fn find_nul(value: &serde_json::Value) -> Option<String> {
    fn walk(value: &serde_json::Value, path: &mut String) -> bool {
        match value {
            serde_json::Value::String(s) => s.contains('\0'),
            serde_json::Value::Array(items) => items.iter().enumerate().any(|(i, item)| {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let found = walk(item, path);
                if !found {
                    path.truncate(len);
                }
                found
            }),
            serde_json::Value::Object(map) => map.iter().any(|(key, item)| {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&key.replace('\0', "\\0"));
                let found = key.contains('\0') || walk(item, path);
                if !found {
                    path.truncate(len);
                }
                found
            }),
            _ => false,
        }
    }
    let mut path = String::new();
    walk(value, &mut path).then(|| if path.is_empty() { "body".to_string() } else { path })
}

/// Refuses a JSON document (a request body, an activity from another node)
/// with NUL in any string or key, naming where: PostgreSQL cannot store NUL
/// and SQLite can, so it is refused on both, before anything reads it. JSON
/// carries NUL only escaped (`\u0000`): a document without that escape needs
/// no closer look.
pub fn refuse_nul(bytes: &[u8]) -> Result<(), FieldErrors> {
    if !bytes.windows(6).any(|w| w == b"\\u0000") {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        // Not JSON at all: the deserializer says so.
        return Ok(());
    };
    match find_nul(&value) {
        Some(field) => Err(FieldErrors::single(field, NUL_MESSAGE)),
        None => Ok(()),
    }
}

/// Validation errors, one message per field path (`defenders[0].name`).
#[derive(Debug, Default, Clone, PartialEq, Serialize, utoipa::ToSchema)]
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

    #[test]
    fn blank_texts() {
        for blank in ["", "  ", "\u{200B}\u{200B}", "\u{2060}\u{FEFF} \u{200E}", "\u{3164}"] {
            assert!(is_blank(blank), "{blank:?}");
        }
        // Joiners inside real text are part of it (Arabic, Persian, emoji).
        for text in ["a", "\u{200C}ب", "عدالة"] {
            assert!(!is_blank(text), "{text:?}");
        }
    }

    #[test]
    fn nul_is_found_with_its_path() {
        let value = serde_json::json!({"title": {"en": "ok"}, "defenders": [{"name": "a"}, {"name": "b\u{0}"}]});
        assert_eq!(find_nul(&value).as_deref(), Some("defenders[1].name"));
        assert_eq!(find_nul(&serde_json::json!({"title": {"en": "ok"}})), None);
        assert_eq!(find_nul(&serde_json::json!("\u{0}")).as_deref(), Some("body"));
    }
}
