//! Integrity proofs: the W3C vc-di-eddsa vectors, byte for byte.

use serde_json::Value;
use sha2::{Digest, Sha256};
use tadamun::federation::proof;

use crate::once;
use crate::support::{TestCase, TestEnv};

pub fn cases() -> Vec<TestCase> {
    once![w3c_eddsa_jcs_2022_vectors]
}

fn vector(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/it/fixtures/eddsa-jcs-2022/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .trim_end()
    .to_string()
}

fn json(name: &str) -> Value {
    serde_json::from_str(&vector(name)).unwrap()
}

async fn w3c_eddsa_jcs_2022_vectors(_env: TestEnv) {
    let keys = json("keyPair.json");
    let signing = proof::parse_private_key_multibase(keys["privateKeyMultibase"].as_str().unwrap()).unwrap();
    let public = keys["publicKeyMultibase"].as_str().unwrap();
    assert_eq!(proof::public_key_multibase(&signing.verifying_key()), public);

    let unsigned = json("unsigned.json");
    let config_expected = json("proofConfigJCS.json");
    let vm = config_expected["verificationMethod"].as_str().unwrap();
    let created = config_expected["created"].as_str().unwrap();

    // Canonical document and proof configuration.
    assert_eq!(proof::canonicalize(&unsigned).unwrap(), vector("canonDocJCS.txt"));
    assert_eq!(
        proof::canonicalize_object(unsigned.as_object().unwrap(), "proof").unwrap(),
        vector("canonDocJCS.txt")
    );
    let config = proof::proof_config(&unsigned, vm, created);
    assert_eq!(config, config_expected);
    assert_eq!(proof::canonicalize(&config).unwrap(), vector("proofCanonJCS.txt"));
    // Both hashes and their concatenation.
    assert_eq!(
        hex::encode(Sha256::digest(vector("canonDocJCS.txt"))),
        vector("docHashJCS.txt")
    );
    assert_eq!(
        hex::encode(Sha256::digest(vector("proofCanonJCS.txt"))),
        vector("proofHashJCS.txt")
    );
    let data = proof::hash_data(unsigned.as_object().unwrap(), config.as_object().unwrap()).unwrap();
    assert_eq!(hex::encode(&data), vector("combinedHashJCS.txt"));
    // Signature and proofValue.
    let made = proof::create_proof(&unsigned, &signing, vm, created).unwrap();
    let proof_value = made["proofValue"].as_str().unwrap();
    assert_eq!(proof_value, vector("sigBTC58JCS.txt"));
    let (_, raw) = multibase::decode(proof_value).unwrap();
    assert_eq!(hex::encode(raw), vector("sigHexJCS.txt"));
    // The signed document, whole.
    let signed = json("signedJCS.json");
    assert_eq!(made, signed["proof"]);
    let mut ours = unsigned.clone();
    proof::sign(&mut ours, &signing, vm, created).unwrap();
    assert_eq!(ours, signed);
    let claims = proof::verify(&signed, &proof::parse_public_key_multibase(public).unwrap()).unwrap();
    assert_eq!(claims.created, created);
    assert_eq!(
        claims.controller,
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    );
    // One changed character anywhere breaks it.
    let mut tampered = signed.clone();
    tampered["credentialSubject"]["alumniOf"] = Value::String("The School of Exampler".into());
    assert_eq!(
        proof::verify(&tampered, &signing.verifying_key()),
        Err(proof::ProofError::BadSignature)
    );
}
