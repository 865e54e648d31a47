-- Notices: what tells people that an alert arrived. Keep in step with
-- migrations/postgres/0019_notifications.sql.

-- Where a staff member's notices go; NULL: nowhere (nothing is queued).
ALTER TABLE users ADD COLUMN email TEXT;

-- A staff member's own choice of notices (JSON, domain::notify::Subscription);
-- no row: the defaults of their role.
CREATE TABLE notification_subscriptions (
    user_id    TEXT PRIMARY KEY REFERENCES users(id),
    settings   TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- The queue of notices, written in the transaction of what causes them and
-- sent from here. The id is the notice's idempotency key: an email carries it
-- in its Message-ID, so that a message sent again after a crash is known as
-- the same one. `dedupe_key` keeps one event from being queued twice for
-- one person (an alert received again, a write retried).
CREATE TABLE notices (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users(id),
    kind            TEXT NOT NULL,
    subject_id      TEXT NOT NULL,
    dedupe_key      TEXT NOT NULL UNIQUE,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_by      TEXT,
    claimed_until   INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX notices_due ON notices (state, next_attempt_at);

-- Channels an operator paused for the whole node (notices wait, queued).
CREATE TABLE notice_channel_pauses (
    channel   TEXT PRIMARY KEY,
    paused_by TEXT NOT NULL,
    paused_at INTEGER NOT NULL
);

-- An organisation's webhooks (a chat bridge, a Matrix or Signal relay, an
-- SMS gateway), signed as Standard Webhooks: `secret` is `whsec_` and
-- base64; during a rotation the previous secret signs too, until
-- `previous_until`. `settings`: which alerts (domain::notify::Subscription).
CREATE TABLE webhooks (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    url             TEXT NOT NULL,
    description     TEXT NOT NULL,
    secret          TEXT NOT NULL,
    previous_secret TEXT,
    previous_until  INTEGER,
    settings        TEXT NOT NULL,
    created_by      TEXT NOT NULL REFERENCES users(id),
    created_at      INTEGER NOT NULL,
    deleted_at      INTEGER
);
CREATE INDEX webhooks_org ON webhooks (org_id);

-- Each event for each webhook, sent from here like notices. The id is the
-- `webhook-id` header, the same on every attempt: receivers deduplicate by it.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL REFERENCES webhooks(id),
    kind            TEXT NOT NULL,
    subject_id      TEXT NOT NULL,
    dedupe_key      TEXT NOT NULL UNIQUE,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_by      TEXT,
    claimed_until   INTEGER,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_of ON webhook_deliveries (webhook_id, created_at);
