//! `federation/`: every example parses, re-serialises without losing or
//! renaming a field, and is exactly what the code builds; every kind of
//! activity we send has an example; the spec names every field; and what a
//! real node serves has the documented shape.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use strum::VariantArray;
use tadamun::federation::wire::{
    self, ActionObject, AlertObject, FormerType, ObjectActivity, ObjectVerb, OutgoingKind, Tombstone,
};
use url::Url;

use crate::federation::{Member, titled};
use crate::support::{TestCase, TestEnv};
use crate::{once, tests};

pub fn cases() -> Vec<TestCase> {
    let mut cases = once![
        examples_round_trip_and_match_the_code,
        every_outgoing_kind_has_an_example_that_round_trips,
        the_spec_documents_every_field
    ];
    cases.extend(tests![served_documents_have_the_documented_shape]);
    cases
}

fn example(name: &str) -> Value {
    let path = format!("{}/federation/examples/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn url(v: &Value) -> Url {
    Url::parse(v.as_str().unwrap()).unwrap()
}

fn urls(v: &Value) -> Vec<Url> {
    v.as_array().unwrap().iter().map(url).collect()
}

fn published(v: &Value) -> chrono::DateTime<chrono::Utc> {
    v["published"].as_str().unwrap().parse().unwrap()
}

/// `Create`, `Update` or `Delete` of `object` with the envelope (id, actor,
/// addressing, date) of `example`, as the code builds it.
fn object_activity(example: &Value, kind: ObjectVerb, object: impl Serialize) -> Value {
    wire::to_value(&wire::ObjectActivity {
        context: wire::OurContext,
        id: url(&example["id"]),
        kind,
        actor: url(&example["actor"]),
        object,
        to: urls(&example["to"]),
        published: published(example),
        proof: None,
    })
}

/// `activity` passed on unchanged, in the `Announce` that `example` is.
fn announced(example: &Value, activity: Value) -> Value {
    wire::to_value(&wire::Announce {
        context: wire::OurContext,
        id: url(&example["id"]),
        kind: wire::AnnounceType,
        actor: url(&example["actor"]),
        object: activity,
        to: urls(&example["to"]),
        published: published(example),
    })
}

/// The examples are signed with the W3C vc-di-eddsa test key (its public key
/// is in `federation/examples/actor-organization.json`).
const EXAMPLE_METHOD: &str = "https://node-a.example/orgs/green-advocates#ed25519-key-1";
const EXAMPLE_CREATED: &str = "2026-11-28T09:15:03Z";

fn example_key() -> ed25519_dalek::SigningKey {
    let keys: Value = serde_json::from_str(include_str!("fixtures/eddsa-jcs-2022/keyPair.json")).unwrap();
    tadamun::federation::proof::parse_private_key_multibase(keys["privateKeyMultibase"].as_str().unwrap()).unwrap()
}

fn signed(mut document: Value) -> Value {
    document.as_object_mut().unwrap().remove("proof");
    tadamun::federation::proof::sign(&mut document, &example_key(), EXAMPLE_METHOD, EXAMPLE_CREATED).unwrap();
    document
}

/// Compares what the code builds with an example file; with
/// `TADAMUN_BLESS_EXAMPLES=1` writes it instead (after a deliberate change).
fn matches_example(name: &str, built: &Value) {
    if std::env::var_os("TADAMUN_BLESS_EXAMPLES").is_some() {
        let path = format!("{}/federation/examples/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::write(path, serde_json::to_string_pretty(built).unwrap() + "\n").unwrap();
        return;
    }
    assert_eq!(built, &example(name), "{name} is not what the code sends");
}

async fn examples_round_trip_and_match_the_code(_env: TestEnv) {
    let alert = example("alert.json");
    let parsed: AlertObject = serde_json::from_value(alert.clone()).unwrap();
    let mut round_tripped = serde_json::to_value(&parsed).unwrap();
    if let Some(proof) = alert.get("proof") {
        round_tripped["proof"] = proof.clone();
    }
    assert_eq!(round_tripped, alert, "alert.json does not round-trip");
    assert_eq!(
        parsed.context,
        Some(wire::context()),
        "documents carry our context inline"
    );
    matches_example("alert.json", &signed(serde_json::to_value(&parsed).unwrap()));

    for (file, verb) in [
        ("create-alert.json", ObjectVerb::Create),
        ("update-alert.json", ObjectVerb::Update),
    ] {
        let activity = example(file);
        let object: AlertObject = serde_json::from_value(activity["object"].clone()).unwrap();
        let object_value = signed(serde_json::to_value(&object).unwrap());
        let mut parsed_object = serde_json::to_value(&object).unwrap();
        if let Some(proof) = activity["object"].get("proof") {
            parsed_object["proof"] = proof.clone();
        }
        assert_eq!(
            parsed_object, activity["object"],
            "{file}: the object does not round-trip"
        );
        matches_example(file, &signed(object_activity(&activity, verb, object_value)));
    }
    // A withdrawal (final), and a loss of audience of one named organisation
    // (reversible), which names it in `to`.
    for (file, removal) in [
        ("delete-alert.json", wire::Removal::Withdrawn),
        ("delete-alert-out-of-audience.json", wire::Removal::OutOfAudience),
    ] {
        let delete = example(file);
        assert_eq!(wire::Removal::of(&delete["object"]), removal, "{file}");
        let tombstone = Tombstone {
            removal: Some(removal),
            version: Some(delete["object"]["version"].as_i64().unwrap()),
            ..Tombstone::new(
                FormerType::Alert,
                url(&delete["object"]["id"]),
                delete["object"]["deleted"].as_str().unwrap().parse().unwrap(),
            )
        };
        matches_example(file, &signed(object_activity(&delete, ObjectVerb::Delete, tombstone)));
    }
    // A Delete from a node that does not say why is a withdrawal.
    assert_eq!(
        wire::Removal::of(&json!({"type": "Tombstone", "formerType": "Alert"})),
        wire::Removal::Withdrawn
    );

    // Solidarity actions: Create by the acting organisation, Announce by the
    // alert's origin wrapping it unchanged, Update when corrected, Delete when
    // retracted, and the origin's Undo of its Announce when no longer shared.
    let create = example("create-action.json");
    let action: ActionObject = serde_json::from_value(create["object"].clone()).unwrap();
    let mut parsed_action = serde_json::to_value(&action).unwrap();
    if let Some(proof) = create["object"].get("proof") {
        parsed_action["proof"] = proof.clone();
    }
    assert_eq!(
        parsed_action, create["object"],
        "create-action.json: the object does not round-trip"
    );
    let built = signed(object_activity(
        &create,
        ObjectVerb::Create,
        signed(serde_json::to_value(&action).unwrap()),
    ));
    matches_example("create-action.json", &built);
    let announce = example("announce-action.json");
    matches_example("announce-action.json", &announced(&announce, built));
    let update = example("update-action.json");
    let corrected: ActionObject = serde_json::from_value(update["object"].clone()).unwrap();
    assert_eq!(
        corrected.id, action.id,
        "update-action.json corrects create-action.json's action"
    );
    assert!(corrected.version > action.version, "a correction has a higher version");
    matches_example(
        "update-action.json",
        &signed(object_activity(
            &update,
            ObjectVerb::Update,
            signed(serde_json::to_value(&corrected).unwrap()),
        )),
    );
    let retract = example("delete-action.json");
    let tombstone = Tombstone::new(
        FormerType::SolidarityAction,
        url(&retract["object"]["id"]),
        retract["object"]["deleted"].as_str().unwrap().parse().unwrap(),
    );
    matches_example(
        "delete-action.json",
        &signed(object_activity(&retract, ObjectVerb::Delete, tombstone)),
    );
    let unshare = example("undo-announce.json");
    assert_eq!(
        unshare["actor"], announce["actor"],
        "the origin takes back its own Announce"
    );
    matches_example(
        "undo-announce.json",
        &wire::to_value(&wire::UndoAnnounce {
            context: wire::ActivityStreamsContext,
            id: url(&unshare["id"]),
            kind: wire::UndoType,
            actor: url(&unshare["actor"]),
            object: wire::AnnouncementOf {
                kind: wire::AnnounceType,
                actor: url(&unshare["actor"]),
                object: action.id.clone(),
            },
            published: published(&unshare),
        }),
    );

    // A group passes an alert addressed to it on to its members: the author's
    // Create, unchanged, in the group's Announce.
    let relay = example("announce-alert.json");
    let group = example("actor-group.json");
    assert_eq!(relay["actor"], group["id"]);
    assert_eq!(relay["to"], json!([group["followers"]]));
    let create_alert = example("create-alert.json");
    let mut addressed: AlertObject = serde_json::from_value(create_alert["object"].clone()).unwrap();
    addressed.cc = vec![url(&group["id"])];
    let addressed_value = signed(serde_json::to_value(&addressed).unwrap());
    let addressed_create = signed(object_activity(&create_alert, ObjectVerb::Create, addressed_value));
    matches_example("announce-alert.json", &announced(&relay, addressed_create));

    let follow = example("follow.json");
    matches_example(
        "follow.json",
        &wire::to_value(&wire::Follow::new(
            url(&follow["id"]),
            url(&follow["actor"]),
            url(&follow["object"]),
        )),
    );
    for (file, kind) in [
        ("accept.json", wire::AnswerType::Accept),
        ("reject.json", wire::AnswerType::Reject),
    ] {
        let answer = example(file);
        assert_eq!(answer["object"], follow, "{file} embeds the Follow as received");
        matches_example(
            file,
            &wire::to_value(&wire::Answer {
                context: wire::ActivityStreamsContext,
                id: url(&answer["id"]),
                kind,
                actor: url(&answer["actor"]),
                object: follow.clone(),
            }),
        );
    }

    // Groups: a member leaves; a moderator on another node decides on a
    // request to join, which it names by member and group.
    let leave = example("undo-follow.json");
    let group_follow = &leave["object"];
    assert_eq!(group_follow["object"], group["id"]);
    matches_example(
        "undo-follow.json",
        &wire::to_value(&wire::UndoFollow::of(
            url(&leave["id"]),
            wire::Follow::new(
                url(&group_follow["id"]),
                url(&group_follow["actor"]),
                url(&group_follow["object"]),
            ),
        )),
    );
    for (file, kind) in [
        ("accept-join-request.json", wire::AnswerType::Accept),
        ("reject-join-request.json", wire::AnswerType::Reject),
    ] {
        let decision = example(file);
        assert!(
            group["attributedTo"].as_array().unwrap().contains(&decision["actor"]),
            "{file} is sent by one of the group's moderators"
        );
        matches_example(
            file,
            &wire::to_value(&wire::Answer {
                context: wire::ActivityStreamsContext,
                id: url(&decision["id"]),
                kind,
                actor: url(&decision["actor"]),
                object: wire::JoinRequest {
                    kind: wire::FollowType,
                    actor: url(&group_follow["actor"]),
                    object: url(&group["id"]),
                },
            }),
        );
    }

    // An organisation's actor changed (a key rotated): its whole document.
    let update_actor = example("update-actor.json");
    let actor = example("actor-organization.json");
    matches_example(
        "update-actor.json",
        &wire::to_value(&wire::ActorUpdate {
            context: wire::ActorUpdateContext,
            id: url(&update_actor["id"]),
            kind: wire::UpdateType,
            actor: url(&actor["id"]),
            object: actor.clone(),
            to: vec![Url::parse("https://www.w3.org/ns/activitystreams#Public").unwrap()],
        }),
    );

    // Every signed example verifies with the key the example actor publishes.
    let keys = tadamun::federation::integrity::published_keys(&actor);
    assert_eq!(keys[0].0, EXAMPLE_METHOD);
    let key = tadamun::federation::proof::parse_public_key_multibase(&keys[0].1).unwrap();
    for file in [
        "alert.json",
        "create-alert.json",
        "update-alert.json",
        "delete-alert.json",
        "create-action.json",
        "update-action.json",
        "delete-action.json",
    ] {
        let document = example(file);
        tadamun::federation::proof::verify(&document, &key).unwrap_or_else(|e| panic!("{file}: {e}"));
        if document["object"].get("proof").is_some() {
            tadamun::federation::proof::verify(&document["object"], &key)
                .unwrap_or_else(|e| panic!("{file} object: {e}"));
        }
    }
    // A relay carries the author's proofs unchanged.
    for file in ["announce-action.json", "announce-alert.json"] {
        let relayed = &example(file)["object"];
        tadamun::federation::proof::verify(relayed, &key).unwrap_or_else(|e| panic!("{file}: {e}"));
        tadamun::federation::proof::verify(&relayed["object"], &key).unwrap_or_else(|e| panic!("{file} object: {e}"));
    }
    let parsed_actor = tadamun::federation::actors::parse_actor_document(&actor).unwrap();
    assert_eq!(parsed_actor.id.as_str(), "https://node-a.example/orgs/green-advocates");

    // The served context is the file, and the inline one is its content.
    let context: Value = serde_json::from_str(wire::CONTEXT_JSONLD).unwrap();
    assert_eq!(wire::context()[2], context["@context"]);
    // No example carries a local-only field.
    for file in [
        "alert.json",
        "create-alert.json",
        "update-alert.json",
        "announce-alert.json",
    ] {
        let text = example(file).to_string();
        for forbidden in [
            "exact_location",
            "exactLocation",
            "contacts",
            "consent",
            "family",
            "createdBy",
        ] {
            assert!(!text.contains(forbidden), "{file} contains {forbidden}");
        }
    }
}

/// The examples that are not activities we send: objects and actors.
const NOT_ACTIVITIES: &[&str] = &["alert.json", "actor-organization.json", "actor-group.json"];

/// How the examples of one kind of activity we send are checked.
struct KindExamples {
    files: &'static [&'static str],
    /// The activity's `type`.
    activity_type: &'static str,
    /// What it carries, when embedded: the object's `type` (a tombstone's
    /// `formerType`).
    object_type: Option<&'static str>,
    /// Parses an example into the kind's struct and serialises it back.
    round_trip: fn(&Value) -> serde_json::Result<Value>,
}

fn round_trip<T: Serialize + DeserializeOwned>(document: &Value) -> serde_json::Result<Value> {
    let typed: T = serde_json::from_value(document.clone())?;
    serde_json::to_value(&typed)
}

/// The examples of each kind of activity we send. The match has no catch-all,
/// so a new kind does not compile here before it is given its examples.
fn examples_of(kind: OutgoingKind) -> KindExamples {
    use OutgoingKind as K;
    type Of<O> = ObjectActivity<O>;
    type Check = (
        &'static [&'static str],
        &'static str,
        Option<&'static str>,
        fn(&Value) -> serde_json::Result<Value>,
    );
    let (files, activity_type, object_type, round_trip): Check = match kind {
        K::CreateAlert => (
            &["create-alert.json"],
            "Create",
            Some("Alert"),
            round_trip::<Of<AlertObject>>,
        ),
        K::UpdateAlert => (
            &["update-alert.json"],
            "Update",
            Some("Alert"),
            round_trip::<Of<AlertObject>>,
        ),
        K::DeleteAlert => (
            &["delete-alert.json", "delete-alert-out-of-audience.json"],
            "Delete",
            Some("Alert"),
            round_trip::<Of<Tombstone>>,
        ),
        K::CreateAction => (
            &["create-action.json"],
            "Create",
            Some("SolidarityAction"),
            round_trip::<Of<ActionObject>>,
        ),
        K::UpdateAction => (
            &["update-action.json"],
            "Update",
            Some("SolidarityAction"),
            round_trip::<Of<ActionObject>>,
        ),
        K::DeleteAction => (
            &["delete-action.json"],
            "Delete",
            Some("SolidarityAction"),
            round_trip::<Of<Tombstone>>,
        ),
        K::Follow => (&["follow.json"], "Follow", None, round_trip::<wire::Follow>),
        K::AcceptFollow => (
            &["accept.json"],
            "Accept",
            Some("Follow"),
            round_trip::<wire::Answer<Value>>,
        ),
        K::RejectFollow => (
            &["reject.json"],
            "Reject",
            Some("Follow"),
            round_trip::<wire::Answer<Value>>,
        ),
        K::AcceptJoinRequest => (
            &["accept-join-request.json"],
            "Accept",
            Some("Follow"),
            round_trip::<wire::Answer<wire::JoinRequest>>,
        ),
        K::RejectJoinRequest => (
            &["reject-join-request.json"],
            "Reject",
            Some("Follow"),
            round_trip::<wire::Answer<wire::JoinRequest>>,
        ),
        K::UndoFollow => (
            &["undo-follow.json"],
            "Undo",
            Some("Follow"),
            round_trip::<wire::UndoFollow>,
        ),
        K::Announce => (
            &["announce-action.json", "announce-alert.json"],
            "Announce",
            None,
            round_trip::<wire::Announce>,
        ),
        K::UndoAnnounce => (
            &["undo-announce.json"],
            "Undo",
            Some("Announce"),
            round_trip::<wire::UndoAnnounce>,
        ),
        K::UpdateActor => (
            &["update-actor.json"],
            "Update",
            Some("Organization"),
            round_trip::<wire::ActorUpdate>,
        ),
        K::UpdateAggregate => (
            &["update-aggregate.json"],
            "Update",
            Some("AlertAggregate"),
            round_trip::<wire::AggregateUpdate>,
        ),
        K::DeleteAggregate => (
            &["delete-aggregate.json"],
            "Delete",
            Some("AlertAggregate"),
            round_trip::<Of<Tombstone>>,
        ),
    };
    KindExamples {
        files,
        activity_type,
        object_type,
        round_trip,
    }
}

/// Every kind of activity we send has an example, which parses into the
/// kind's struct and serialises back to the same document; and every example
/// is of a kind we send (or is not an activity).
async fn every_outgoing_kind_has_an_example_that_round_trips(_env: TestEnv) {
    let mut claimed: std::collections::BTreeSet<&str> = NOT_ACTIVITIES.iter().copied().collect();
    for &kind in OutgoingKind::VARIANTS {
        let examples = examples_of(kind);
        assert!(
            !examples.files.is_empty(),
            "{kind:?} has no example in federation/examples/"
        );
        for &file in examples.files {
            let document = example(file);
            assert_eq!(document["type"], examples.activity_type, "{file} is not a {kind:?}");
            let object = &document["object"];
            // A tombstone's former type, or the object's own type among its
            // types (alerts and actions are also an ActivityStreams type).
            let object_is = |expected: &str| match object.get("formerType").or_else(|| object.get("type")) {
                Some(Value::String(kind)) => kind == expected,
                Some(Value::Array(kinds)) => kinds.iter().any(|k| k == expected),
                _ => false,
            };
            if let Some(expected) = examples.object_type {
                assert!(object_is(expected), "{file} is not a {kind:?}");
            }
            let again =
                (examples.round_trip)(&document).unwrap_or_else(|e| panic!("{file} does not parse as a {kind:?}: {e}"));
            assert_eq!(again, document, "{file} does not round-trip through its struct");
            assert!(claimed.insert(file), "{file} is the example of two kinds");
        }
    }
    let directory = format!("{}/federation/examples", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(directory).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            claimed.contains(name.as_str()),
            "examples/{name} is of no kind in wire::OutgoingKind (nor in NOT_ACTIVITIES)"
        );
    }
}

async fn the_spec_documents_every_field(_env: TestEnv) {
    let spec = std::fs::read_to_string(format!("{}/federation/README.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut fields = std::collections::BTreeSet::new();
    let alert = example("update-alert.json")["object"].clone();
    for key in alert.as_object().unwrap().keys() {
        fields.insert(key.clone());
    }
    for nested in ["location", "businessLink"] {
        for key in alert[nested].as_object().unwrap().keys() {
            fields.insert(key.clone());
        }
    }
    for key in alert["defenders"][0].as_object().unwrap().keys() {
        fields.insert(key.clone());
    }
    for key in alert["history"][0].as_object().unwrap().keys() {
        fields.insert(key.clone());
    }
    for key in example("create-action.json")["object"].as_object().unwrap().keys() {
        fields.insert(key.clone());
    }
    for field in fields {
        assert!(
            spec.contains(&format!("`{field}`"))
                || spec.contains(&format!("{field},"))
                || spec.contains(&format!("{field}?"))
                || spec.contains(&format!("{field}}}")),
            "federation/README.md does not document `{field}`"
        );
    }
    for file in std::fs::read_dir(format!("{}/federation/examples", env!("CARGO_MANIFEST_DIR"))).unwrap() {
        let name = file.unwrap().file_name().into_string().unwrap();
        assert!(
            spec.contains(&format!("examples/{name}")),
            "federation/README.md does not link examples/{name}"
        );
    }
}

async fn served_documents_have_the_documented_shape(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let id = a.publish(titled("Served", "public")).await;
    let get = |path: String, accept: &'static str| {
        let http = a.node.http.clone();
        async move {
            let resp = http.get(path).header("accept", accept).send().await.unwrap();
            assert_eq!(resp.status(), 200);
            let content_type = resp.headers()["content-type"].to_str().unwrap().to_string();
            (content_type, resp.json::<Value>().await.unwrap())
        }
    };
    let (content_type, served) = get(format!("{}/alerts/{id}", a.node.base), "application/activity+json").await;
    assert_eq!(content_type, "application/activity+json");
    let documented = example("alert.json");
    let mut documented_keys: Vec<&String> = documented.as_object().unwrap().keys().collect();
    documented_keys.retain(|k| *k != "expires");
    assert!(
        served["proof"]["proofValue"].as_str().unwrap().starts_with('z'),
        "served alerts are signed"
    );
    let served_keys: Vec<&String> = served.as_object().unwrap().keys().filter(|k| *k != "expires").collect();
    let mut a_keys = documented_keys.clone();
    a_keys.sort();
    let mut b_keys = served_keys.clone();
    b_keys.sort();
    assert_eq!(b_keys, a_keys, "a served alert has the documented fields");
    let parsed: AlertObject = serde_json::from_value(served.clone()).unwrap();
    assert_eq!(serde_json::to_value(&parsed).unwrap(), served);
    assert_eq!(parsed.to[0].as_str(), "https://www.w3.org/ns/activitystreams#Public");

    let ld = "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";
    let (_, actor) = get(format!("{}/orgs/green", a.node.base), ld).await;
    assert_eq!(actor["type"], "Organization");
    assert_eq!(actor["inbox"], format!("{}/orgs/green/inbox", a.node.base));
    assert!(
        actor["publicKey"]["publicKeyPem"]
            .as_str()
            .unwrap()
            .contains("PUBLIC KEY")
    );
    // A group has the documented fields, moderators in attributedTo.
    let (status, group) = a
        .node
        .post(
            &a.admin,
            "/api/v1/groups",
            &json!({"slug": "latin-america", "name": "Latin America", "kind": "regional",
                    "languages": ["es"], "moderators": ["green"]}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{group}");
    let (_, served_group) = get(group["uri"].as_str().unwrap().to_string(), "application/activity+json").await;
    let mut served_keys: Vec<&String> = served_group.as_object().unwrap().keys().collect();
    served_keys.sort();
    let documented = example("actor-group.json");
    let mut documented_keys: Vec<&String> = documented.as_object().unwrap().keys().collect();
    documented_keys.sort();
    assert_eq!(served_keys, documented_keys, "a served group has the documented fields");
    assert_eq!(served_group["type"], "Group");
    assert_eq!(
        served_group["attributedTo"],
        json!([format!("{}/orgs/green", a.node.base)])
    );
    assert_eq!(served_group["@context"], documented["@context"]);
    let (_, instance) = get(format!("{}/actor", a.node.base), "application/activity+json").await;
    assert_eq!(instance["type"], "Application");
    assert_eq!(instance["endpoints"]["sharedInbox"], format!("{}/inbox", a.node.base));
    let (_, outbox) = get(
        format!("{}/orgs/green/outbox", a.node.base),
        "application/activity+json",
    )
    .await;
    assert_eq!(outbox["totalItems"], 1);

    let host = a.node.host();
    let (_, finger) = get(
        format!("{}/.well-known/webfinger?resource=acct:green@{host}", a.node.base),
        "application/jrd+json",
    )
    .await;
    assert_eq!(finger["links"][0]["href"], format!("{}/orgs/green", a.node.base));
    let (_, finger) = get(
        format!("{}/.well-known/webfinger?resource=acct:{host}@{host}", a.node.base),
        "application/jrd+json",
    )
    .await;
    assert_eq!(finger["links"][0]["href"], format!("{}/actor", a.node.base));
    let missing = a
        .node
        .http
        .get(format!(
            "{}/.well-known/webfinger?resource=acct:nobody@{host}",
            a.node.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let (_, links) = get(format!("{}/.well-known/nodeinfo", a.node.base), "application/json").await;
    let (_, info) = get(
        links["links"][0]["href"].as_str().unwrap().to_string(),
        "application/json",
    )
    .await;
    assert_eq!(info["software"]["name"], "tadamun");
    assert_eq!(info["protocols"], json!(["activitypub"]));
    assert_eq!(info["usage"]["localPosts"], 1);
    let (content_type, context) = get(format!("{}/ns", a.node.base), "application/ld+json").await;
    assert_eq!(content_type, "application/ld+json");
    assert_eq!(context["@context"]["tdm"], "https://tadamun.org/ns#");
}
