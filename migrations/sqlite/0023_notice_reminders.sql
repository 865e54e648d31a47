-- Reminders the notice worker finds by the clock (a pledge past due, an
-- alert near its expiry): each event is looked at once, and what it queued
-- is written in the same transaction as this row. Keep in step with
-- migrations/postgres/0023_notice_reminders.sql.
CREATE TABLE notice_reminders (
    kind       TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    event      TEXT NOT NULL,
    queued_at  INTEGER NOT NULL,
    PRIMARY KEY (kind, subject_id, event)
);
