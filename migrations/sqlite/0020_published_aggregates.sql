-- Aggregate counts of an organisation's own released alerts, published to the
-- network when its admins opt in (see src/services/network_analysis.rs).

-- One row per organisation of this node that publishes (opting out deletes
-- it): what was last sent, so that an unchanged count is not sent again, and
-- the signed document served at /orgs/{slug}/analysis.
CREATE TABLE aggregate_publishing (
    org_id       TEXT PRIMARY KEY REFERENCES organisations(id),
    opted_in_at  INTEGER NOT NULL,
    -- The protected counts last sent (their JSON), and when they were made.
    fingerprint  TEXT,
    generated_at INTEGER,
    document     TEXT
);

-- The latest aggregate received from each organisation on another node,
-- checked (its proof, its host, no small count shown) before it is stored.
CREATE TABLE received_aggregates (
    org_actor    TEXT PRIMARY KEY,
    host         TEXT NOT NULL,
    generated_at INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    document     TEXT NOT NULL
);
