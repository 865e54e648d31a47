-- Organisations on one node walled off from each other, and sign-in that
-- resists guessing. Keep in step with migrations/sqlite/0007_operators_and_sign_in_limits.sql.

-- The node operator (organisations, trust in other nodes, deliveries, metrics,
-- the node-wide audit log) is apart from an organisation's admin (its own
-- staff, keys and settings). Until now every admin could do both; admins of the
-- node's first organisation (its host member) keep operating it, admins of the
-- organisations it hosts for partners keep managing their own organisation.
ALTER TABLE users ADD COLUMN node_operator BIGINT NOT NULL DEFAULT 0;
UPDATE users SET node_operator = 1
 WHERE role = 'admin'
   AND org_id = (SELECT id FROM organisations ORDER BY created_at, id LIMIT 1);

-- The last TOTP time step accepted for a user: a code is good once.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- Single-use recovery codes for the second factor; only hashes are kept.
CREATE TABLE recovery_codes (
    code_hash  TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- API tokens end. Tokens issued before this had no end: they get the default
-- lifetime (90 days) from now.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
UPDATE api_tokens SET expires_at = CAST(EXTRACT(EPOCH FROM now()) * 1000 AS BIGINT) + CAST(90 AS BIGINT) * 86400000 WHERE expires_at IS NULL;

-- Whose entry an audit line is: an organisation's (its admin reads it) or the
-- node's (NULL: trust, deliveries; only the operator reads those).
ALTER TABLE audit_log ADD COLUMN org_id TEXT;
UPDATE audit_log SET org_id = (SELECT u.org_id FROM users u WHERE u.username = audit_log.subject)
 WHERE action IN ('user.create', 'user.role', 'user.disable');
UPDATE audit_log SET org_id = (SELECT o.id FROM organisations o WHERE o.slug = audit_log.subject)
 WHERE action = 'org.create';
UPDATE audit_log SET org_id = (SELECT u.org_id FROM users u WHERE u.id = audit_log.user_id)
 WHERE org_id IS NULL AND user_id IS NOT NULL
   AND action NOT LIKE 'peer.%' AND action NOT LIKE 'deliveries.%' AND action <> 'group.create';
CREATE INDEX audit_log_org_at ON audit_log (org_id, at);

-- Failed sign-ins, by account and by client address, in the database so that
-- every process of a node counts the same guesses. Rows older than the
-- window are deleted as new ones arrive.
CREATE TABLE sign_in_failures (
    id       TEXT PRIMARY KEY,
    at       BIGINT NOT NULL,
    username TEXT NOT NULL,
    client   TEXT NOT NULL
);
CREATE INDEX sign_in_failures_username ON sign_in_failures (username, at);
CREATE INDEX sign_in_failures_client ON sign_in_failures (client, at);
CREATE INDEX sign_in_failures_at ON sign_in_failures (at);
