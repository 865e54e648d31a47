-- Federation: our actors' keys, other nodes and how far we trust them, remote
-- actors and alerts, received activity ids, and the outbox.
-- Keep in step with migrations/postgres/0002_federation.sql.

-- Keys of this node's actors: the instance actor ('instance') and each organisation (its id).
CREATE TABLE local_actor_keys (
    actor_ref       TEXT PRIMARY KEY,
    public_key_pem  TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);

-- Other nodes. `trust` is this node's decision; `their_answer` is theirs to our
-- request to federate ('none' when we never asked).
CREATE TABLE peers (
    host           TEXT PRIMARY KEY,
    trust          TEXT NOT NULL CHECK (trust IN ('blocked', 'pending', 'connected', 'trusted')),
    actor_id       TEXT,
    shared_inbox   TEXT,
    their_answer   TEXT NOT NULL DEFAULT 'none' CHECK (their_answer IN ('none', 'requested', 'accepted', 'rejected')),
    our_follow_id  TEXT,
    -- Their Follow of our instance actor, answered when an admin decides.
    their_follow   TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

-- Actors on other servers, as last fetched from their own id.
CREATE TABLE remote_actors (
    id             TEXT PRIMARY KEY,
    host           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    name           TEXT,
    inbox          TEXT NOT NULL,
    shared_inbox   TEXT,
    public_key_pem TEXT NOT NULL,
    document       TEXT NOT NULL,
    fetched_at     INTEGER NOT NULL
);

-- Remote actors following one of our organisations (software other than Tadamun included).
CREATE TABLE followers (
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    actor_id    TEXT NOT NULL,
    host        TEXT NOT NULL,
    follow      TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected')),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (org_id, actor_id)
);

-- Alerts received from other nodes. A withdrawn one keeps only its tombstone.
CREATE TABLE remote_alerts (
    id            TEXT PRIMARY KEY,
    -- The id this node's API uses for it.
    local_id      TEXT NOT NULL UNIQUE,
    origin_host   TEXT NOT NULL,
    attributed_to TEXT NOT NULL,
    number        TEXT NOT NULL,
    status        TEXT NOT NULL,
    sharing       TEXT NOT NULL,
    urgency       TEXT NOT NULL,
    severity      TEXT NOT NULL,
    certainty     TEXT NOT NULL,
    country       TEXT NOT NULL,
    title         TEXT NOT NULL,
    search_text   TEXT NOT NULL,
    document      TEXT NOT NULL,
    version       INTEGER NOT NULL,
    published_at  INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    received_at   INTEGER NOT NULL,
    deleted_at    INTEGER
);
CREATE INDEX remote_alerts_received ON remote_alerts (received_at);

CREATE TABLE remote_alert_violations (
    alert_id  TEXT NOT NULL REFERENCES remote_alerts(id) ON DELETE CASCADE,
    violation TEXT NOT NULL,
    PRIMARY KEY (alert_id, violation)
);

-- For restricted remote alerts: which of our organisations it was addressed to.
CREATE TABLE remote_alert_recipients (
    alert_id TEXT NOT NULL REFERENCES remote_alerts(id) ON DELETE CASCADE,
    org_id   TEXT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (alert_id, org_id)
);

-- Ids of activities already processed: a replay is answered 2xx and ignored.
CREATE TABLE received_activities (
    id          TEXT PRIMARY KEY,
    actor       TEXT NOT NULL,
    received_at INTEGER NOT NULL
);

-- Activities to send, written in the same transaction as the change that causes them.
CREATE TABLE outbox_activities (
    id         TEXT PRIMARY KEY,
    actor_ref  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    object_id  TEXT,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- One row per activity and inbox.
CREATE TABLE outbox_deliveries (
    id              TEXT PRIMARY KEY,
    activity_id     TEXT NOT NULL REFERENCES outbox_activities(id),
    inbox           TEXT NOT NULL,
    host            TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    delivered_at    INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX outbox_deliveries_due ON outbox_deliveries (state, next_attempt_at);

-- Which inboxes received which of our alerts, so that a withdrawal or a
-- narrower audience reaches every node that got it.
CREATE TABLE alert_recipients (
    alert_id TEXT NOT NULL REFERENCES alerts(id),
    inbox    TEXT NOT NULL,
    host     TEXT NOT NULL,
    PRIMARY KEY (alert_id, inbox)
);
