-- What the shared analysis counts each alert under (see src/domain/analysis.rs):
-- one row per alert, dimension and value, ours (`own`, alerts.id) and received
-- (`network`, remote_alerts.id), written with each version and removed with a
-- received alert's content. Alerts stored before this table are given theirs
-- when the node starts (services::analysis::backfill).

CREATE TABLE analysis_facts (
    source    TEXT NOT NULL CHECK (source IN ('own', 'network')),
    alert_id  TEXT NOT NULL,
    dimension TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (source, alert_id, dimension, value)
);

-- Counting one dimension, or filtering by a value, reads this index only.
CREATE INDEX analysis_facts_by_value ON analysis_facts (dimension, value, source, alert_id);
