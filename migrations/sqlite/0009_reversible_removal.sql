-- Why a received alert's content was purged: 'withdrawn' by its author (final),
-- or 'out_of_audience' (this node, or the organisations named here, may no longer
-- see it): a later Create or Update from its origin, of a version not older
-- than the one removed, brings that back. Tombstones from before are final.
ALTER TABLE remote_alerts ADD COLUMN removal TEXT;

-- The organisation an inbox was sent a restricted alert for (its actor id), so
-- that taking it away from that one says so; NULL for a node's shared inbox.
ALTER TABLE alert_recipients ADD COLUMN addressee TEXT;
