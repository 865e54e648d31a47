-- Organisations hosted on this node, their staff, and staff API tokens.
-- Times are Unix milliseconds; ids are UUIDv7 text. Keep in step with
-- migrations/sqlite/0001_accounts_and_alerts.sql.

CREATE TABLE organisations (
    id           TEXT PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    alert_prefix TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    role          TEXT NOT NULL CHECK (role IN ('viewer', 'member', 'coordinator', 'admin')),
    password_hash TEXT NOT NULL,
    totp_secret   TEXT,
    created_at    BIGINT NOT NULL,
    disabled_at   BIGINT
);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);

-- Per organisation and year, the last alert number handed out (SOS-2026-014).
CREATE TABLE alert_number_counters (
    org_id     TEXT NOT NULL REFERENCES organisations(id),
    year       BIGINT NOT NULL,
    last_value BIGINT NOT NULL,
    PRIMARY KEY (org_id, year)
);

CREATE TABLE alerts (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organisations(id),
    number            TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'open', 'closed', 'withdrawn')),
    audience          TEXT NOT NULL CHECK (audience IN ('node', 'restricted', 'trusted', 'network', 'public')),
    urgency           TEXT NOT NULL,
    severity          TEXT NOT NULL,
    certainty         TEXT NOT NULL,
    country           TEXT NOT NULL,
    title             TEXT NOT NULL,
    search_text       TEXT NOT NULL,
    -- JSON: the shareable content (domain::alert::AlertContent).
    content           TEXT NOT NULL,
    version           BIGINT NOT NULL,
    expires_at        BIGINT,
    created_by        TEXT NOT NULL REFERENCES users(id),
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    published_at      BIGINT,
    closed_at         BIGINT,
    outcome           TEXT,
    closing_note      TEXT,
    withdrawal_reason TEXT,
    UNIQUE (org_id, number),
    CHECK (status <> 'closed' OR outcome IS NOT NULL)
);
CREATE INDEX alerts_status_created ON alerts (status, created_at);
CREATE INDEX alerts_country ON alerts (country);

CREATE TABLE alert_violations (
    alert_id  TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    violation TEXT NOT NULL,
    PRIMARY KEY (alert_id, violation)
);
CREATE INDEX alert_violations_violation ON alert_violations (violation);

-- For `restricted` alerts: the organisations named as its only audience.
CREATE TABLE alert_named_orgs (
    alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    org_ref  TEXT NOT NULL,
    PRIMARY KEY (alert_id, org_ref)
);

-- Local-only fields, apart from anything that may ever be shared.
CREATE TABLE alert_private (
    alert_id       TEXT PRIMARY KEY REFERENCES alerts(id) ON DELETE CASCADE,
    exact_location TEXT,
    contacts       TEXT,
    family_details TEXT
);

-- The defender's consent (local only; the audience obeys it).
CREATE TABLE alert_consent (
    alert_id     TEXT PRIMARY KEY REFERENCES alerts(id) ON DELETE CASCADE,
    given_by     TEXT NOT NULL,
    given_at     BIGINT NOT NULL,
    -- JSON array of domain::vocab::ConsentUse names.
    allowed_uses TEXT NOT NULL,
    withdrawn_at BIGINT,
    withdrawn_by TEXT REFERENCES users(id)
);

-- One row per change of an alert: who, when, what changed.
CREATE TABLE alert_history (
    alert_id       TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    version        BIGINT NOT NULL,
    at             BIGINT NOT NULL,
    user_id        TEXT NOT NULL REFERENCES users(id),
    action         TEXT NOT NULL,
    status         TEXT NOT NULL,
    -- JSON array of field names.
    changed_fields TEXT NOT NULL,
    note           TEXT,
    PRIMARY KEY (alert_id, version)
);

-- Who published, widened, withdrew, exported, and changed accounts or trust.
CREATE TABLE audit_log (
    id      TEXT PRIMARY KEY,
    at      BIGINT NOT NULL,
    user_id TEXT REFERENCES users(id),
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail  TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
