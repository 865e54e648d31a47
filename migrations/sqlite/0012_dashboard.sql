-- The staff dashboard lists our alerts and those received in one order (most
-- urgent, then the nearest requested-action deadline, then the newest) and
-- filters them, in one query: each alert keeps its rank, deadline, titles (a
-- JSON language map) and facets (`\nright:land\nsector:mining\ngroup:URI\n`)
-- next to it, written with every version. Keep in step with
-- migrations/postgres/0012_dashboard.sql.

ALTER TABLE alerts ADD COLUMN urgency_rank INTEGER NOT NULL DEFAULT 4;
ALTER TABLE alerts ADD COLUMN next_deadline INTEGER;
ALTER TABLE alerts ADD COLUMN titles TEXT NOT NULL DEFAULT '{}';
ALTER TABLE alerts ADD COLUMN facets TEXT NOT NULL DEFAULT '';
ALTER TABLE remote_alerts ADD COLUMN urgency_rank INTEGER NOT NULL DEFAULT 4;
ALTER TABLE remote_alerts ADD COLUMN next_deadline INTEGER;
ALTER TABLE remote_alerts ADD COLUMN titles TEXT NOT NULL DEFAULT '{}';
ALTER TABLE remote_alerts ADD COLUMN facets TEXT NOT NULL DEFAULT '';

UPDATE alerts SET
    urgency_rank = CASE urgency WHEN 'immediate' THEN 0 WHEN 'expected' THEN 1 WHEN 'future' THEN 2
                   WHEN 'past' THEN 3 ELSE 4 END,
    next_deadline = (SELECT MIN(CAST(unixepoch(json_extract(x.value, '$.deadline'), 'subsec') * 1000 AS INTEGER))
                     FROM json_each(content, '$.requested_actions') x
                     WHERE json_extract(x.value, '$.deadline') IS NOT NULL),
    titles = COALESCE(json_extract(content, '$.title'), '{}'),
    facets = char(10)
        || COALESCE((SELECT group_concat('right:' || x.value, char(10)) FROM json_each(content, '$.rights_concerned') x)
                    || char(10), '')
        || COALESCE('sector:' || json_extract(content, '$.business_link.sector') || char(10), '')
        || COALESCE((SELECT group_concat('group:' || x.value, char(10)) FROM json_each(content, '$.groups') x)
                    || char(10), '');

UPDATE remote_alerts SET
    urgency_rank = CASE urgency WHEN 'immediate' THEN 0 WHEN 'expected' THEN 1 WHEN 'future' THEN 2
                   WHEN 'past' THEN 3 ELSE 4 END,
    next_deadline = (SELECT MIN(CAST(unixepoch(json_extract(x.value, '$.deadline'), 'subsec') * 1000 AS INTEGER))
                     FROM json_each(document, '$.requestedActions') x
                     WHERE json_extract(x.value, '$.deadline') IS NOT NULL),
    titles = COALESCE(json_extract(document, '$.nameMap'), '{}'),
    facets = char(10)
        || COALESCE((SELECT group_concat('right:' || x.value, char(10)) FROM json_each(document, '$.rightsConcerned') x)
                    || char(10), '')
        || COALESCE('sector:' || json_extract(document, '$.businessLink.sector') || char(10), '')
WHERE deleted_at IS NULL;

-- What the list reads of every row, so that it never reads the documents.
CREATE INDEX alerts_dashboard ON alerts (urgency_rank, next_deadline, updated_at, org_id, status, audience, country, id);
CREATE INDEX remote_alerts_dashboard
    ON remote_alerts (urgency_rank, next_deadline, updated_at, deleted_at, sharing, status, country, id);
CREATE INDEX remote_alerts_author ON remote_alerts (attributed_to, origin_host, deleted_at, sharing);

-- When the staff member last looked at the dashboard, and when they looked
-- before the visit they are on (what is new is new since then).
ALTER TABLE users ADD COLUMN dashboard_seen_at INTEGER;
ALTER TABLE users ADD COLUMN dashboard_previous_seen_at INTEGER;
