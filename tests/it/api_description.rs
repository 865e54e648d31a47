//! Every answer of the API that a test receives is checked against the API's
//! OpenAPI description, the one the node serves (generated from the code):
//! the operation must be described, the status listed for it, the content
//! type among the documented ones and, for JSON, the body must validate
//! against the schema of that operation and status, field by field. Objects
//! that name their fields are closed (a field the description does not name is
//! an error) and every `required` field must be present. A failure names the
//! operation, the status and the path of the failing field.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde_json::{Map, Value};

/// How many answers were checked in this run.
static CHECKED: AtomicUsize = AtomicUsize::new(0);

/// The (operation, status) pairs those answers were.
static SEEN: Mutex<BTreeSet<(String, u16)>> = Mutex::new(BTreeSet::new());

/// How many answers were checked so far.
pub fn checked_count() -> usize {
    CHECKED.load(Ordering::Relaxed)
}

/// What this run checked, for the end of its output.
pub fn summary() -> String {
    let seen = SEEN.lock().unwrap();
    let operations: BTreeSet<&str> = seen.iter().map(|(op, _)| op.as_str()).collect();
    let described = description().operations.len();
    format!(
        "checked {} answers of the API against its description: {} of its {described} operations, \
         {} (operation, status) pairs",
        checked_count(),
        operations.len(),
        seen.len()
    )
}

/// The description of the API this build serves.
pub fn description() -> &'static Description {
    static DESCRIPTION: OnceLock<Description> = OnceLock::new();
    DESCRIPTION.get_or_init(|| {
        let document = serde_json::to_value(tadamun::api::openapi_document()).expect("the document serialises");
        Description::new(&document)
    })
}

/// Checks one answer when it is the API's (under its server's path), and
/// fails the test that made the request when it does not match.
pub fn check_answer(method: &str, path: &str, status: u16, headers: &HeaderMap, body: &[u8]) {
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    if let Err(problem) = description().check(method, path, status, content_type, body) {
        panic!("the API's answer does not match its description: {problem}");
    }
}

/// Lists the described answers no test received (`API_COVERAGE=1`).
pub fn print_unseen() {
    let seen = SEEN.lock().unwrap();
    for operation in &description().operations {
        let name = operation.name();
        let unseen: Vec<&str> = operation
            .answers
            .keys()
            .filter(|status| !seen.iter().any(|(op, s)| *op == name && s.to_string() == **status))
            .map(String::as_str)
            .collect();
        if !unseen.is_empty() {
            eprintln!("never answered: {name}: {}", unseen.join(", "));
        }
    }
}

pub struct Description {
    /// The path every operation's path is under (`servers[0].url`).
    base: String,
    operations: Vec<Operation>,
}

struct Operation {
    method: String,
    /// The path under `base`, such as `/alerts/{id}`.
    path: String,
    id: String,
    /// Status code ("200") → what the answer may carry.
    answers: BTreeMap<String, Vec<Content>>,
}

/// One documented content type of an answer and, for JSON, its checker.
struct Content {
    media_type: String,
    schema: Option<jsonschema::Validator>,
}

impl Operation {
    fn name(&self) -> String {
        format!("{} {} ({})", self.method, self.path, self.id)
    }

    /// How well a concrete path fits this operation's template: `None` when it
    /// does not, else the number of literal segments (more is more specific:
    /// `/groups/join` before `/groups/{id}`).
    fn fit(&self, path: &str) -> Option<usize> {
        let template: Vec<&str> = self.path.split('/').collect();
        let concrete: Vec<&str> = path.split('/').collect();
        if template.len() != concrete.len() {
            return None;
        }
        let mut literal = 0;
        for (t, c) in template.iter().zip(&concrete) {
            if t.starts_with('{') && t.ends_with('}') {
                if c.is_empty() {
                    return None;
                }
            } else if t == c {
                literal += 1;
            } else {
                return None;
            }
        }
        Some(literal)
    }
}

impl Description {
    /// Reads an OpenAPI document and compiles a checker for every JSON answer.
    pub fn new(document: &Value) -> Description {
        let base = document["servers"][0]["url"].as_str().unwrap_or_default().to_string();
        let components = document["components"]["schemas"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let mut operations = Vec::new();
        for (path, item) in document["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("a path item") {
                if !["get", "put", "post", "delete", "options", "head", "patch", "trace"].contains(&method.as_str()) {
                    continue;
                }
                let id = operation["operationId"].as_str().unwrap_or_default().to_string();
                let mut answers = BTreeMap::new();
                for (status, response) in operation["responses"].as_object().expect("responses") {
                    let contents = response["content"]
                        .as_object()
                        .map(|content| {
                            content
                                .iter()
                                .map(|(media_type, media)| Content {
                                    media_type: base_media_type(media_type),
                                    schema: is_json(media_type).then(|| {
                                        compile(&media["schema"], &components).unwrap_or_else(|e| {
                                            panic!(
                                                "{} {path} answers {status}: the schema does not compile: {e}",
                                                method.to_uppercase()
                                            )
                                        })
                                    }),
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    answers.insert(status.clone(), contents);
                }
                operations.push(Operation {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    id,
                    answers,
                });
            }
        }
        Description { base, operations }
    }

    /// Checks one answer of the API: `path` is the request's path (a query is
    /// ignored). Paths outside the API are not checked.
    pub fn check(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), String> {
        let path = path.split('?').next().unwrap_or_default();
        let Some(under) = path.strip_prefix(&self.base).filter(|p| p.starts_with('/')) else {
            return Ok(());
        };
        let operation = self
            .operations
            .iter()
            .filter(|op| op.method.eq_ignore_ascii_case(method))
            .filter_map(|op| op.fit(under).map(|fit| (fit, op)))
            .max_by_key(|(fit, _)| *fit)
            .map(|(_, op)| op)
            .ok_or_else(|| format!("{method} {path} answered {status}, but the description has no such operation"))?;
        let name = operation.name();
        let contents = operation.answers.get(&status.to_string()).ok_or_else(|| {
            format!(
                "{name} answered {status}, which its description does not list (it lists {})",
                operation.answers.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        })?;
        CHECKED.fetch_add(1, Ordering::Relaxed);
        SEEN.lock().unwrap().insert((name.clone(), status));
        if contents.is_empty() {
            return if body.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{name} answered {status} with a body, where its description has none"
                ))
            };
        }
        let media_type = content_type.map(base_media_type).unwrap_or_default();
        let content = contents.iter().find(|c| c.media_type == media_type).ok_or_else(|| {
            format!(
                "{name} answered {status} as `{media_type}`, where its description has {}",
                contents
                    .iter()
                    .map(|c| c.media_type.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        let Some(schema) = &content.schema else {
            return Ok(());
        };
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| format!("{name} answered {status} with a body that is not JSON: {e}"))?;
        let problems: Vec<String> = schema.iter_errors(&value).map(|e| describe(&e)).collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("{name} answered {status}: {}", problems.join("; ")))
        }
    }
}

/// One failure, led by the JSON pointer of the field that fails.
fn describe(error: &jsonschema::ValidationError<'_>) -> String {
    use jsonschema::error::ValidationErrorKind;
    let at = error.instance_path().as_str();
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|field| format!("{at}/{field}: not in the description"))
            .collect::<Vec<_>>()
            .join("; "),
        ValidationErrorKind::Required { property } => {
            format!("{at}/{}: required, but missing", property.as_str().unwrap_or_default())
        }
        _ => format!("{}: {error}", if at.is_empty() { "/" } else { at }),
    }
}

/// `application/json; charset=utf-8` → `application/json`.
fn base_media_type(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn is_json(media_type: &str) -> bool {
    let base = base_media_type(media_type);
    base == "application/json" || base.ends_with("+json")
}

/// A checker for one schema of the document: references inlined, `allOf`s of
/// objects merged into one object (as `#[serde(flatten)]` is described), and
/// every object that names its fields closed to fields it does not name.
pub fn compile(schema: &Value, components: &Map<String, Value>) -> Result<jsonschema::Validator, String> {
    let mut schema = inline(schema, components, 0)?;
    close(&mut schema);
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| e.to_string())
}

/// Keywords whose values are data, not schemas.
const DATA_KEYWORDS: [&str; 5] = ["example", "examples", "default", "enum", "const"];

fn inline(schema: &Value, components: &Map<String, Value>, depth: usize) -> Result<Value, String> {
    if depth > 64 {
        return Err("references nest too deep (a recursive schema?)".into());
    }
    let Value::Object(map) = schema else {
        return Ok(schema.clone());
    };
    let mut out = Map::new();
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .ok_or_else(|| format!("unsupported reference {reference}"))?;
        let target = components
            .get(name)
            .ok_or_else(|| format!("unresolved reference {reference}"))?;
        if let Value::Object(resolved) = inline(target, components, depth + 1)? {
            out = resolved;
        }
    }
    for (key, value) in map {
        if key == "$ref" {
            continue;
        }
        let value = if DATA_KEYWORDS.contains(&key.as_str()) {
            value.clone()
        } else if key == "properties" {
            let mut properties = Map::new();
            for (name, property) in value.as_object().into_iter().flatten() {
                properties.insert(name.clone(), inline(property, components, depth + 1)?);
            }
            Value::Object(properties)
        } else {
            match value {
                Value::Object(_) => inline(value, components, depth + 1)?,
                Value::Array(items) => Value::Array(
                    items
                        .iter()
                        .map(|item| inline(item, components, depth + 1))
                        .collect::<Result<_, _>>()?,
                ),
                other => other.clone(),
            }
        };
        out.insert(key.clone(), value);
    }
    merge_object_all_of(&mut out);
    Ok(Value::Object(out))
}

fn is_object_schema(schema: &Value) -> bool {
    schema.get("properties").is_some()
        || match schema.get("type") {
            Some(Value::String(t)) => t == "object",
            Some(Value::Array(types)) => types.iter().any(|t| t == "object"),
            _ => false,
        }
}

/// `{"allOf": [A, B]}` where A and B are objects → one object with the
/// fields of both, so that closing it does not refuse B's fields in A.
fn merge_object_all_of(schema: &mut Map<String, Value>) {
    let Some(Value::Array(parts)) = schema.get("allOf") else {
        return;
    };
    if parts.is_empty() || !parts.iter().all(is_object_schema) {
        return;
    }
    let parts = parts.clone();
    schema.remove("allOf");
    let mut properties = Map::new();
    let mut required: Vec<Value> = Vec::new();
    for part in &parts {
        for (name, property) in part["properties"].as_object().into_iter().flatten() {
            properties.insert(name.clone(), property.clone());
        }
        for name in part["required"].as_array().into_iter().flatten() {
            if !required.contains(name) {
                required.push(name.clone());
            }
        }
        for (key, value) in part.as_object().into_iter().flatten() {
            if !["properties", "required", "description", "title"].contains(&key.as_str()) {
                schema.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
    }
    schema.insert("type".into(), Value::String("object".into()));
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
}

/// Objects that name their fields take no others, unless the schema says
/// otherwise (`additionalProperties`, as maps do).
fn close(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("properties")
                && !map.contains_key("additionalProperties")
                && !map.contains_key("unevaluatedProperties")
            {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            for (key, value) in map.iter_mut() {
                if !DATA_KEYWORDS.contains(&key.as_str()) {
                    close(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(close),
        _ => {}
    }
}
