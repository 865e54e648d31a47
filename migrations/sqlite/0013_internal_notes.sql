-- The organisation's own notes on a case: local only, like the exact location
-- and contacts, never in anything sent to or fetched by another node.
ALTER TABLE alert_private ADD COLUMN internal_notes TEXT;
