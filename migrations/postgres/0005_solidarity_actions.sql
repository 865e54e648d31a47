-- Solidarity actions (members' responses to alerts), who besides the author
-- may see offers of support, and browser sessions for the web pages.
-- Keep in step with migrations/sqlite/0005_solidarity_actions.sql.

-- Actions by our organisations and actions received from other nodes, on our
-- alerts and on alerts received. A retracted action keeps only its tombstone.
CREATE TABLE solidarity_actions (
    -- The ActivityPub id.
    id           TEXT PRIMARY KEY,
    -- The id this node's API uses for it.
    local_id     TEXT NOT NULL UNIQUE,
    -- The alert it answers (its ActivityPub id).
    alert_uri    TEXT NOT NULL,
    -- The acting organisation's actor id, its name, and (when it is ours) its row.
    org_uri      TEXT NOT NULL,
    org_name     TEXT NOT NULL,
    org_id       TEXT REFERENCES organisations(id),
    kind         TEXT NOT NULL CHECK (kind IN ('cosign', 'statement', 'letter_sent', 'pledge', 'support_offer', 'report')),
    -- 1 when the acting organisation lets the alert's other recipients see it.
    shareable    BIGINT NOT NULL,
    -- JSON: text per language.
    content      TEXT NOT NULL,
    addressee    TEXT,
    due_at       BIGINT,
    support_type TEXT,
    outcome      TEXT,
    -- The signed object, as sent or received.
    document     TEXT NOT NULL,
    version      BIGINT NOT NULL,
    published_at BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    received_at  BIGINT NOT NULL,
    deleted_at   BIGINT
);
CREATE INDEX solidarity_actions_alert ON solidarity_actions (alert_uri, published_at);
CREATE INDEX solidarity_actions_org ON solidarity_actions (org_id, kind, due_at);

-- Organisations of this node, besides the author, allowed to see the offers of
-- support made on one of our alerts.
CREATE TABLE alert_offer_viewers (
    alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    org_id   TEXT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (alert_id, org_id)
);

-- Signed-in browsers. Only a hash of the cookie's secret is stored.
CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
