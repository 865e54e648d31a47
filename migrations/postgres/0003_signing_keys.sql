-- Ed25519 keys for integrity proofs (FEP-8b32), published as Multikeys
-- (FEP-521a). A rotated key stays listed, retired, so that what it signed
-- before still verifies. Keep in step with migrations/sqlite/0003_signing_keys.sql.

CREATE TABLE local_signing_keys (
    actor_ref            TEXT NOT NULL,
    -- The fragment of the verification method: {actor}#{key_id}.
    key_id               TEXT NOT NULL,
    public_key_multibase TEXT NOT NULL,
    -- Sealed with the key-encryption secret when one is configured.
    private_key          TEXT NOT NULL,
    created_at           BIGINT NOT NULL,
    retired_at           BIGINT,
    PRIMARY KEY (actor_ref, key_id)
);

-- Keys listed in remote actors' assertionMethod, as last fetched from the actor's own id.
CREATE TABLE remote_actor_keys (
    actor_id             TEXT NOT NULL,
    -- The full verification method id.
    key_id               TEXT NOT NULL,
    public_key_multibase TEXT NOT NULL,
    -- When the key stopped being used, if it did (as published).
    expires              TEXT,
    PRIMARY KEY (actor_id, key_id)
);
