//! The layers go one way. Every module under `src/` belongs to a ring, and
//! imports only from its own ring or the rings below it (the rule and the
//! rings are in `src/lib.rs`'s map). This reads the source, as text: every
//! `crate::…` and `super::…` path, in `use` lines and in code, counts.

use std::path::{Path, PathBuf};

use crate::once;
use crate::support::{TestCase, TestEnv};

pub fn cases() -> Vec<TestCase> {
    once![
        every_module_imports_only_from_its_ring_or_below,
        the_ring_check_sees_an_import_from_above
    ]
}

/// The rings, lowest first, by a module's first path segment under `crate`.
const RINGS: &[(&str, &[&str])] = &[
    ("domain", &["domain", "error", "clock", "config", "i18n"]),
    ("db", &["db"]),
    ("state", &["state"]),
    ("federation core", &["federation"]),
    ("services", &["services"]),
    (
        "adapters",
        &["api", "web", "pages", "inbound", "cli", "server", "request"],
    ),
];

fn ring_of(first_segment: &str) -> Option<usize> {
    RINGS.iter().position(|(_, members)| members.contains(&first_segment))
}

/// The module path of a source file: `src/a/b.rs` and `src/a/b/mod.rs` are `[a, b]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// Source without comments (a path in a comment imports nothing).
fn without_comments(source: &str) -> String {
    source
        .lines()
        .map(|line| match line.find("//") {
            // A `//` inside a string literal ("https://…") is not a comment.
            Some(at) if line[..at].matches('"').count() % 2 == 0 => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every absolute module path that `source` (the file of `module`) names,
/// each as its segments: `crate::a::b`, `super::x`, and each member of
/// `crate::{a::b, c}` groups.
fn named_paths(module: &[String], source: &str) -> Vec<Vec<String>> {
    let text = without_comments(source);
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let rest = &text[at..];
        let (base, skip) = if rest.starts_with("crate::") && !preceded_by_ident(bytes, at) {
            (Vec::new(), "crate::".len())
        } else if rest.starts_with("super::") && !preceded_by_ident(bytes, at) {
            // `super::super::x` climbs twice.
            let mut base = module.to_vec();
            let mut skip = 0;
            while text[at + skip..].starts_with("super::") {
                base.pop();
                skip += "super::".len();
            }
            (base, skip)
        } else {
            at += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        at += skip;
        let (paths, used) = read_tree(&text[at..]);
        for path in paths {
            let mut full = base.clone();
            full.extend(path);
            found.push(full);
        }
        at += used.max(1);
    }
    found
}

fn preceded_by_ident(bytes: &[u8], at: usize) -> bool {
    at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_' || bytes[at - 1] == b':')
}

/// Reads `a::b::c` or `a::{b, c::d}` (nested) after a `crate::`: the paths
/// it names, and how many bytes it took.
fn read_tree(text: &str) -> (Vec<Vec<String>>, usize) {
    let mut prefix = Vec::new();
    let mut at = 0;
    loop {
        let ident: String = text[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !ident.is_empty() {
            at += ident.len();
            prefix.push(ident);
            if text[at..].starts_with("::") {
                at += 2;
                continue;
            }
            return (vec![prefix], at);
        }
        if text[at..].starts_with('{') {
            at += 1;
            let mut paths = Vec::new();
            loop {
                let trimmed = text[at..].trim_start();
                at += text[at..].len() - trimmed.len();
                if text[at..].starts_with('}') {
                    return (paths, at + 1);
                }
                if text[at..].starts_with(',') {
                    at += 1;
                    continue;
                }
                let (inner, used) = read_tree(&text[at..]);
                if used == 0 {
                    return (paths, at);
                }
                for path in inner {
                    let mut full = prefix.clone();
                    full.extend(path);
                    paths.push(full);
                }
                at += used;
                // `x as y`
                let trimmed = text[at..].trim_start();
                if let Some(alias) = trimmed.strip_prefix("as ") {
                    let name_len = alias
                        .trim_start()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .count();
                    at += text[at..].len() - alias.trim_start().len() + name_len;
                }
            }
        }
        // `self`, `*` or nothing: the prefix itself.
        return (if prefix.is_empty() { Vec::new() } else { vec![prefix] }, at);
    }
}

/// The imports that break the rule, as `file: path (ring) from ring`.
fn violations(files: &[(PathBuf, String)]) -> Vec<String> {
    let mut wrong = Vec::new();
    for (relative, source) in files {
        let module = module_path(relative);
        let Some(first) = module.first() else { continue };
        // The crate root and the binary sit above every ring.
        if first == "lib" || first == "main" {
            continue;
        }
        let Some(own) = ring_of(first) else {
            wrong.push(format!(
                "{}: module `{first}` is in no ring; add it to one in src/lib.rs's map and in this test",
                relative.display()
            ));
            continue;
        };
        for path in named_paths(&module, source) {
            let Some(target) = path.first() else { continue };
            let Some(ring) = ring_of(target) else {
                // Not a module of a ring: a name re-exported at the root, or a macro.
                continue;
            };
            if ring > own {
                wrong.push(format!(
                    "src/{}: `crate::{}` is in the {} ring, above the {} ring of this file",
                    relative.display(),
                    path.join("::"),
                    RINGS[ring].0,
                    RINGS[own].0
                ));
            }
        }
    }
    wrong
}

fn sources(root: &Path) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = std::fs::read_to_string(&path).expect("a source file");
                files.push((path.strip_prefix(root).expect("under src/").to_path_buf(), source));
            }
        }
    }
    files.sort();
    files
}

async fn every_module_imports_only_from_its_ring_or_below(_env: TestEnv) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = sources(&root);
    assert!(files.len() > 50, "the source tree was not found at {}", root.display());
    let wrong = violations(&files);
    assert!(
        wrong.is_empty(),
        "imports from a ring above (adapters → services → federation core → state → db → domain):\n{}",
        wrong.join("\n")
    );
}

/// The check itself: an import from above, in either spelling, is caught;
/// one from below is not.
async fn the_ring_check_sees_an_import_from_above(_env: TestEnv) {
    let file = |path: &str, source: &str| (PathBuf::from(path), source.to_string());
    let files = vec![
        file(
            "federation/outbox.rs",
            "use crate::{db::outbox, services::{alerts::get, peers}};\n// crate::api in a comment\nfn f() { let url = \"https://x\"; }",
        ),
        file("db/alerts.rs", "fn f() { crate::state::AppState::new(); }"),
        file(
            "services/alerts.rs",
            "use super::super::inbound::pipeline;\nuse crate::db::alerts;",
        ),
        file("api/alerts.rs", "use crate::services::alerts;\nuse crate::db;"),
        file("notifications/mod.rs", "use crate::db;"),
    ];
    let wrong = violations(&files);
    let says = |needle: &str| wrong.iter().any(|w| w.contains(needle));
    assert!(
        says("src/federation/outbox.rs: `crate::services::alerts::get`"),
        "{wrong:?}"
    );
    assert!(says("src/federation/outbox.rs: `crate::services::peers`"), "{wrong:?}");
    assert!(says("src/db/alerts.rs: `crate::state::AppState::new`"), "{wrong:?}");
    assert!(says("src/services/alerts.rs: `crate::inbound::pipeline`"), "{wrong:?}");
    assert!(says("module `notifications` is in no ring"), "{wrong:?}");
    assert!(!says("crate::api"), "a comment counted: {wrong:?}");
    assert!(!says("api/alerts.rs"), "an import from below counted: {wrong:?}");
    assert_eq!(wrong.len(), 5, "{wrong:?}");
}
