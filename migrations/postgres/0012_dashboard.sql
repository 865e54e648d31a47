-- The staff dashboard lists our alerts and those received in one order (most
-- urgent, then the nearest requested-action deadline, then the newest) and
-- filters them, in one query: each alert keeps its rank, deadline, titles (a
-- JSON language map) and facets (`\nright:land\nsector:mining\ngroup:URI\n`)
-- next to it, written with every version. Keep in step with
-- migrations/sqlite/0012_dashboard.sql.

ALTER TABLE alerts ADD COLUMN urgency_rank BIGINT NOT NULL DEFAULT 4;
ALTER TABLE alerts ADD COLUMN next_deadline BIGINT;
ALTER TABLE alerts ADD COLUMN titles TEXT NOT NULL DEFAULT '{}';
ALTER TABLE alerts ADD COLUMN facets TEXT NOT NULL DEFAULT '';
ALTER TABLE remote_alerts ADD COLUMN urgency_rank BIGINT NOT NULL DEFAULT 4;
ALTER TABLE remote_alerts ADD COLUMN next_deadline BIGINT;
ALTER TABLE remote_alerts ADD COLUMN titles TEXT NOT NULL DEFAULT '{}';
ALTER TABLE remote_alerts ADD COLUMN facets TEXT NOT NULL DEFAULT '';

UPDATE alerts SET
    urgency_rank = CASE urgency WHEN 'immediate' THEN 0 WHEN 'expected' THEN 1 WHEN 'future' THEN 2
                   WHEN 'past' THEN 3 ELSE 4 END,
    next_deadline = (SELECT MIN(CAST(EXTRACT(EPOCH FROM CAST(x ->> 'deadline' AS TIMESTAMPTZ)) * 1000 AS BIGINT))
                     FROM jsonb_array_elements(COALESCE(CAST(content AS JSONB) -> 'requested_actions', '[]')) x
                     WHERE x ->> 'deadline' IS NOT NULL),
    titles = COALESCE(CAST(CAST(content AS JSONB) -> 'title' AS TEXT), '{}'),
    facets = E'\n'
        || COALESCE((SELECT string_agg('right:' || r, E'\n')
                     FROM jsonb_array_elements_text(COALESCE(CAST(content AS JSONB) -> 'rights_concerned', '[]')) r)
                    || E'\n', '')
        || COALESCE('sector:' || (CAST(content AS JSONB) -> 'business_link' ->> 'sector') || E'\n', '')
        || COALESCE((SELECT string_agg('group:' || g, E'\n')
                     FROM jsonb_array_elements_text(COALESCE(CAST(content AS JSONB) -> 'groups', '[]')) g)
                    || E'\n', '');

UPDATE remote_alerts SET
    urgency_rank = CASE urgency WHEN 'immediate' THEN 0 WHEN 'expected' THEN 1 WHEN 'future' THEN 2
                   WHEN 'past' THEN 3 ELSE 4 END,
    next_deadline = (SELECT MIN(CAST(EXTRACT(EPOCH FROM CAST(x ->> 'deadline' AS TIMESTAMPTZ)) * 1000 AS BIGINT))
                     FROM jsonb_array_elements(COALESCE(CAST(document AS JSONB) -> 'requestedActions', '[]')) x
                     WHERE x ->> 'deadline' IS NOT NULL),
    titles = COALESCE(CAST(CAST(document AS JSONB) -> 'nameMap' AS TEXT), '{}'),
    facets = E'\n'
        || COALESCE((SELECT string_agg('right:' || r, E'\n')
                     FROM jsonb_array_elements_text(COALESCE(CAST(document AS JSONB) -> 'rightsConcerned', '[]')) r)
                    || E'\n', '')
        || COALESCE('sector:' || (CAST(document AS JSONB) -> 'businessLink' ->> 'sector') || E'\n', '')
WHERE deleted_at IS NULL;

-- What the list reads of every row, so that it never reads the documents.
CREATE INDEX alerts_dashboard ON alerts (urgency_rank, next_deadline, updated_at, org_id, status, audience, country, id);
CREATE INDEX remote_alerts_dashboard
    ON remote_alerts (urgency_rank, next_deadline, updated_at, deleted_at, sharing, status, country, id);
CREATE INDEX remote_alerts_author ON remote_alerts (attributed_to, origin_host, deleted_at, sharing);

-- When the staff member last looked at the dashboard, and when they looked
-- before the visit they are on (what is new is new since then).
ALTER TABLE users ADD COLUMN dashboard_seen_at BIGINT;
ALTER TABLE users ADD COLUMN dashboard_previous_seen_at BIGINT;
