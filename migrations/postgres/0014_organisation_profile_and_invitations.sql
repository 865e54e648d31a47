-- What an organisation says of itself on its public page: a short summary
-- and the languages it works in (comma-separated tags, such as "en,ar").
ALTER TABLE organisations ADD COLUMN summary TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN languages TEXT NOT NULL DEFAULT '';

-- An organisation's admin may require a second factor of someone whose role
-- does not need one.
ALTER TABLE users ADD COLUMN two_factor_required BIGINT NOT NULL DEFAULT 0;

-- One-time links for staff: an invitation (the person chooses their password
-- and enrols a second factor), a password reset, or a second-factor reset.
-- Only the link's SHA-256 hash is kept; the authenticator secret waiting to
-- be confirmed is sealed like the enrolled ones.
CREATE TABLE staff_links (
    token_hash   TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    user_id      TEXT REFERENCES users(id),
    username     TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role         TEXT NOT NULL,
    totp_secret  TEXT,
    created_by   TEXT REFERENCES users(id),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT
);
CREATE INDEX staff_links_org ON staff_links (org_id, created_at);
