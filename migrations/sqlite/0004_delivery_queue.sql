-- Durable, ordered delivery: a sequence for outbox order, per-peer leases so
-- that several processes sharing one database never send the same activity
-- twice, and per-peer health for admins. Keep in step with
-- migrations/postgres/0004_delivery_queue.sql.

CREATE TABLE outbox_sequence (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO outbox_sequence (id, value) VALUES (1, 0);

ALTER TABLE outbox_activities ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_deliveries_host_state ON outbox_deliveries (host, state, next_attempt_at);

-- Who is delivering to a peer right now, and until when (renewed while working).
CREATE TABLE delivery_leases (
    host  TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    until INTEGER NOT NULL
);

-- How deliveries to each peer are going.
CREATE TABLE delivery_hosts (
    host          TEXT PRIMARY KEY,
    failing_since INTEGER,
    last_error    TEXT,
    last_success  INTEGER
);
