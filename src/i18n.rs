//! The pages' words in the languages the network works in (English, Arabic,
//! French, Spanish), from Project Fluent files under `locales/{lang}/`,
//! built into the binary. A node loads them once into [`Texts`], immutable
//! data held in its state; nothing here is global.

use std::collections::HashMap;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

/// A language pages are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Ar,
    Fr,
    Es,
}

impl Lang {
    pub const ALL: [Lang; 4] = [Lang::En, Lang::Ar, Lang::Fr, Lang::Es];

    /// The BCP 47 tag, as `lang` attributes and `?lang=` take it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ar => "ar",
            Lang::Fr => "fr",
            Lang::Es => "es",
        }
    }

    /// The writing direction, as the `dir` attribute takes it.
    pub fn dir(self) -> &'static str {
        match self {
            Lang::Ar => "rtl",
            _ => "ltr",
        }
    }

    /// The language of a tag (`fr`, `fr-CA`, `AR`), if pages are shown in it.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// A date as people of this language write it: `4 December 2026`,
    /// `4 décembre 2026`, `4 de diciembre de 2026`, and in Arabic with Arabic
    /// month names and Arabic-Indic digits (`٤ ديسمبر ٢٠٢٦`).
    pub fn date(self, at: chrono::DateTime<chrono::Utc>) -> String {
        let (pattern, locale) = match self {
            Lang::En => ("%-d %B %Y", chrono::Locale::en_GB),
            Lang::Ar => ("%-d %B %Y", chrono::Locale::ar_EG),
            Lang::Fr => ("%-d %B %Y", chrono::Locale::fr_FR),
            Lang::Es => ("%-d de %B de %Y", chrono::Locale::es_ES),
        };
        self.digits(&at.format_localized(pattern, locale).to_string())
    }

    /// A date and time (UTC, as the network coordinates across time zones).
    pub fn date_time(self, at: chrono::DateTime<chrono::Utc>) -> String {
        let time = self.digits(&at.format("%H:%M").to_string());
        format!("{} {time} UTC", self.date(at))
    }

    /// A whole number in this language's digits.
    pub fn number(self, n: impl std::fmt::Display) -> String {
        self.digits(&n.to_string())
    }

    /// Western digits as this language writes them (Arabic-Indic in Arabic).
    pub fn digits(self, text: &str) -> String {
        match self {
            Lang::Ar => text
                .chars()
                .map(|c| match c.to_digit(10) {
                    Some(d) if c.is_ascii_digit() => char::from_u32(0x0660 + d).unwrap_or(c),
                    _ => c,
                })
                .collect(),
            _ => text.to_string(),
        }
    }

    /// The Fluent source of each language, one file per page family.
    fn sources(self) -> &'static [&'static str] {
        match self {
            Lang::En => &[
                include_str!("../locales/en/public.ftl"),
                include_str!("../locales/en/staff.ftl"),
                include_str!("../locales/en/vocab.ftl"),
                include_str!("../locales/en/dashboard.ftl"),
                include_str!("../locales/en/alert-form.ftl"),
                include_str!("../locales/en/alert-page.ftl"),
                include_str!("../locales/en/admin.ftl"),
                include_str!("../locales/en/organisation.ftl"),
                include_str!("../locales/en/groups.ftl"),
                include_str!("../locales/en/account.ftl"),
                include_str!("../locales/en/analysis.ftl"),
                include_str!("../locales/en/analysis-network.ftl"),
                include_str!("../locales/en/notices.ftl"),
            ],
            Lang::Ar => &[
                include_str!("../locales/ar/public.ftl"),
                include_str!("../locales/ar/staff.ftl"),
                include_str!("../locales/ar/vocab.ftl"),
                include_str!("../locales/ar/dashboard.ftl"),
                include_str!("../locales/ar/alert-form.ftl"),
                include_str!("../locales/ar/alert-page.ftl"),
                include_str!("../locales/ar/admin.ftl"),
                include_str!("../locales/ar/organisation.ftl"),
                include_str!("../locales/ar/groups.ftl"),
                include_str!("../locales/ar/account.ftl"),
                include_str!("../locales/ar/analysis.ftl"),
                include_str!("../locales/ar/analysis-network.ftl"),
                include_str!("../locales/ar/notices.ftl"),
            ],
            Lang::Fr => &[
                include_str!("../locales/fr/public.ftl"),
                include_str!("../locales/fr/staff.ftl"),
                include_str!("../locales/fr/vocab.ftl"),
                include_str!("../locales/fr/dashboard.ftl"),
                include_str!("../locales/fr/alert-form.ftl"),
                include_str!("../locales/fr/alert-page.ftl"),
                include_str!("../locales/fr/admin.ftl"),
                include_str!("../locales/fr/organisation.ftl"),
                include_str!("../locales/fr/groups.ftl"),
                include_str!("../locales/fr/account.ftl"),
                include_str!("../locales/fr/analysis.ftl"),
                include_str!("../locales/fr/analysis-network.ftl"),
                include_str!("../locales/fr/notices.ftl"),
            ],
            Lang::Es => &[
                include_str!("../locales/es/public.ftl"),
                include_str!("../locales/es/staff.ftl"),
                include_str!("../locales/es/vocab.ftl"),
                include_str!("../locales/es/dashboard.ftl"),
                include_str!("../locales/es/alert-form.ftl"),
                include_str!("../locales/es/alert-page.ftl"),
                include_str!("../locales/es/admin.ftl"),
                include_str!("../locales/es/organisation.ftl"),
                include_str!("../locales/es/groups.ftl"),
                include_str!("../locales/es/account.ftl"),
                include_str!("../locales/es/analysis.ftl"),
                include_str!("../locales/es/analysis-network.ftl"),
                include_str!("../locales/es/notices.ftl"),
            ],
        }
    }
}

/// The items of a header such as `Accept` or `Accept-Language`, most
/// wanted first (by `q`, then in the order given); items with `q=0` are
/// refused, so left out.
pub fn weighted(header: &str) -> Vec<(String, f32)> {
    let mut items: Vec<(String, f32)> = header
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let value = parts.next()?.trim();
            if value.is_empty() {
                return None;
            }
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (q > 0.0 && q <= 1.0).then(|| (value.to_ascii_lowercase(), q))
        })
        .collect();
    // A stable sort keeps the client's order among equal weights.
    items.sort_by(|a, b| b.1.total_cmp(&a.1));
    items
}

/// The language of a page: `?lang=` if it names one of ours, else the first
/// of ours in `Accept-Language`, else English.
pub fn negotiate(asked: Option<&str>, accept_language: Option<&str>) -> Lang {
    if let Some(lang) = asked.and_then(Lang::from_tag) {
        return lang;
    }
    accept_language
        .map(weighted)
        .unwrap_or_default()
        .iter()
        .find_map(|(tag, _)| Lang::from_tag(tag))
        .unwrap_or(Lang::En)
}

/// Every language's messages, parsed once, and its names of countries.
pub struct Texts {
    bundles: HashMap<Lang, FluentBundle<FluentResource>>,
    countries: HashMap<Lang, icu_experimental::displaynames::RegionDisplayNames>,
}

impl std::fmt::Debug for Texts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Texts").field("languages", &self.bundles.len()).finish()
    }
}

impl Texts {
    /// Parses the built-in files. They are part of the binary and checked by
    /// the tests, so an error in one is a bug: it panics at start-up.
    pub fn load() -> Texts {
        let mut bundles = HashMap::new();
        let mut countries = HashMap::new();
        for lang in Lang::ALL {
            let locale: icu_locale_core::Locale = lang.code().parse().expect("our language tags parse");
            let names = icu_experimental::displaynames::RegionDisplayNames::try_new(
                locale.into(),
                icu_experimental::displaynames::DisplayNamesOptions::default(),
            )
            .unwrap_or_else(|e| panic!("country names in {}: {e}", lang.code()));
            countries.insert(lang, names);
            let tag = lang.code().parse().expect("our language tags parse");
            let mut bundle = FluentBundle::new_concurrent(vec![tag]);
            // Variables keep their own direction (Fluent wraps them in
            // Unicode isolates): `@slug@host` stays readable in Arabic.
            bundle.set_use_isolating(true);
            for source in lang.sources() {
                let resource = FluentResource::try_new((*source).to_string())
                    .unwrap_or_else(|(_, errors)| panic!("locales/{}: {errors:?}", lang.code()));
                bundle
                    .add_resource(resource)
                    .unwrap_or_else(|errors| panic!("locales/{}: {errors:?}", lang.code()));
            }
            bundles.insert(lang, bundle);
        }
        Texts { bundles, countries }
    }

    /// A country's name in `lang` (CLDR's), from its ISO 3166-1 code; the
    /// code itself when it names no country.
    pub fn country(&self, lang: Lang, code: &str) -> String {
        code.parse::<icu_locale_core::subtags::Region>()
            .ok()
            .and_then(|region| self.countries.get(&lang)?.of(region))
            .map(str::to_string)
            .unwrap_or_else(|| code.to_string())
    }

    /// The message `key` in `lang`.
    pub fn get(&self, lang: Lang, key: &str) -> String {
        self.format(lang, key, None)
    }

    /// The message `key` in `lang`, with its variables.
    pub fn get_with(&self, lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, *value);
        }
        self.format(lang, key, Some(&fluent_args))
    }

    /// Whether `lang` has the message `key`.
    pub fn has(&self, lang: Lang, key: &str) -> bool {
        self.bundles.get(&lang).is_some_and(|b| b.has_message(key))
    }

    /// Every message key of `lang`.
    pub fn keys(&self, lang: Lang) -> Vec<String> {
        let source_keys = lang.sources().iter().flat_map(|source| {
            source.lines().filter_map(|line| {
                let (key, _) = line.split_once(" =")?;
                let first = key.chars().next()?;
                (first.is_ascii_alphabetic() && !key.contains(' ')).then(|| key.to_string())
            })
        });
        source_keys.collect()
    }

    /// A message missing from a language falls back to English (the tests
    /// make sure none is), and one missing from English shows its key.
    fn format(&self, lang: Lang, key: &str, args: Option<&FluentArgs>) -> String {
        for lang in [lang, Lang::En] {
            let Some(bundle) = self.bundles.get(&lang) else {
                continue;
            };
            if let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                return bundle.format_pattern(pattern, args, &mut errors).into_owned();
            }
        }
        key.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_are_named_in_each_language() {
        let texts = Texts::load();
        assert_eq!(texts.country(Lang::En, "SY"), "Syria");
        assert_eq!(texts.country(Lang::Fr, "SY"), "Syrie");
        assert_eq!(texts.country(Lang::Es, "SY"), "Siria");
        assert_eq!(texts.country(Lang::Ar, "GT"), "غواتيمالا");
        assert_eq!(texts.country(Lang::En, "not a code"), "not a code");
    }

    #[test]
    fn dates_and_numbers_are_written_for_the_language() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-04T09:05:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(Lang::En.date(at), "4 December 2026");
        assert_eq!(Lang::Fr.date(at), "4 décembre 2026");
        assert_eq!(Lang::Es.date(at), "4 de diciembre de 2026");
        assert!(Lang::Ar.date(at).starts_with("٤ "), "{}", Lang::Ar.date(at));
        assert!(Lang::Ar.date(at).ends_with(" ٢٠٢٦"), "{}", Lang::Ar.date(at));
        assert_eq!(Lang::Ar.number(10_000), "١٠٠٠٠");
        assert_eq!(Lang::En.date_time(at), "4 December 2026 09:05 UTC");
    }

    #[test]
    fn every_key_exists_in_every_language() {
        let texts = Texts::load();
        let english = texts.keys(Lang::En);
        assert!(english.len() > 20, "the English file is read: {english:?}");
        for lang in Lang::ALL {
            for key in &english {
                assert!(texts.has(lang, key), "{key} is missing in {}", lang.code());
            }
            for key in texts.keys(lang) {
                assert!(texts.has(Lang::En, &key), "{key} in {} is not in English", lang.code());
            }
        }
    }

    #[test]
    fn messages_are_translated_and_take_variables() {
        let texts = Texts::load();
        assert_eq!(texts.get(Lang::En, "status-open"), "Open");
        assert_eq!(texts.get(Lang::Fr, "status-open"), "Ouverte");
        assert_eq!(texts.get(Lang::Ar, "status-open"), "مفتوح");
        assert_eq!(
            texts.get_with(Lang::Es, "org-follow-hint", &[("handle", "@green@a.example")]),
            "Siga a esta organización desde cualquier servidor del fediverso como \u{2068}@green@a.example\u{2069}."
        );
        assert_eq!(texts.get(Lang::Ar, "no-such-message"), "no-such-message");
    }

    /// A vocabulary enum, the prefix of its labels' keys, and its values.
    macro_rules! vocabularies {
        ($($name:ident => $prefix:literal),+ $(,)?) => {
            &[$((stringify!($name), $prefix, <crate::domain::vocab::$name as strum::VariantNames>::VARIANTS)),+]
        };
    }

    /// Shown with a label and a one-sentence explanation (`{prefix}-{value}-help`).
    const EXPLAINED: &[(&str, &str, &[&str])] = vocabularies!(
        Role => "role",
        HistoryAction => "history-action",
        DeliveryState => "delivery-state",
        TheirAnswer => "their-answer",
        AlertStatus => "status",
        Audience => "audience",
        Trust => "trust",
        Urgency => "urgency",
        Severity => "severity",
        Certainty => "certainty",
        DefenderKind => "defender-kind",
        DefenderRelationship => "defender-relationship",
        ConsentUse => "consent-use",
        ViolationType => "violation-type",
        PerpetratorCategory => "perpetrator-category",
        Involvement => "involvement",
        BusinessSector => "business-sector",
        Right => "right",
        RequestedActionKind => "requested-action-kind",
        AddresseeKind => "addressee-kind",
        Outcome => "outcome",
    );

    /// Shown with a label only, under the prefix of the pages that show them.
    const LABELLED: &[(&str, &str, &[&str])] = vocabularies!(
        ActionKind => "response-kind",
        SupportType => "support-type",
        ReportOutcome => "report-outcome",
        GroupKind => "group-kind",
        MemberState => "membership",
    );

    /// The names of the enums `src/domain/vocab.rs` declares with `vocabulary!`.
    fn declared_vocabularies() -> Vec<String> {
        let source = include_str!("domain/vocab.rs");
        source
            .split("vocabulary!(")
            .skip(1)
            .filter_map(|declaration| {
                let code = declaration
                    .lines()
                    .map(str::trim)
                    .find(|line| !line.is_empty() && !line.starts_with("///"))?;
                let name: String = code.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
                (!name.is_empty()).then_some(name)
            })
            .collect()
    }

    #[test]
    fn every_vocabulary_is_labelled() {
        let declared = declared_vocabularies();
        assert_eq!(
            declared.len(),
            EXPLAINED.len() + LABELLED.len(),
            "declared: {declared:?}"
        );
        let labelled: Vec<&str> = EXPLAINED.iter().chain(LABELLED).map(|(name, _, _)| *name).collect();
        for name in &declared {
            assert!(
                labelled.contains(&name.as_str()),
                "{name} has no labels: add them to locales/*/vocab.ftl and to this test"
            );
        }
    }

    #[test]
    fn every_vocabulary_value_has_a_label_and_an_explanation_in_every_language() {
        let texts = Texts::load();
        let mut missing = Vec::new();
        for lang in Lang::ALL {
            for &(_, prefix, values) in EXPLAINED.iter().chain(LABELLED) {
                let explained = EXPLAINED.iter().any(|(_, p, _)| *p == prefix);
                for value in values {
                    let label = format!("{prefix}-{value}");
                    let help = format!("{label}-help");
                    let mut wanted = vec![label];
                    if explained {
                        wanted.push(help);
                    }
                    for key in wanted {
                        if !texts.has(lang, &key) {
                            missing.push(format!("{}: {key}", lang.code()));
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "vocabulary messages missing: {missing:#?}");
        assert_eq!(
            texts.get(Lang::Fr, "violation-type-judicial_harassment"),
            "Harcèlement judiciaire"
        );
        assert_eq!(texts.get(Lang::Ar, "status-in_review"), "قيد المراجعة");
    }

    #[test]
    fn the_language_comes_from_the_query_then_accept_language_by_weight() {
        assert_eq!(negotiate(Some("ar"), Some("fr")), Lang::Ar);
        assert_eq!(negotiate(Some("de"), Some("fr-CA, en;q=0.5")), Lang::Fr);
        assert_eq!(negotiate(None, Some("de, en;q=0.2, es;q=0.8")), Lang::Es);
        assert_eq!(negotiate(None, Some("es;q=0, fr;q=0.1")), Lang::Fr);
        assert_eq!(negotiate(None, Some("de, ja")), Lang::En);
        assert_eq!(negotiate(None, None), Lang::En);
        assert_eq!(Lang::Ar.dir(), "rtl");
        assert_eq!(Lang::Fr.dir(), "ltr");
    }
}
