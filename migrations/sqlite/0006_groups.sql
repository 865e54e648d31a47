-- Regional and working groups (FEP-1b12): groups hosted here and groups of other
-- nodes that our organisations joined or that alerts were addressed to; their
-- members; and which alerts were addressed to which group.
-- Keep in step with migrations/postgres/0006_groups.sql.

-- Every group this node knows. `hosted` is 1 for groups that live on this node.
CREATE TABLE groups (
    id          TEXT PRIMARY KEY,
    uri         TEXT NOT NULL UNIQUE,
    slug        TEXT UNIQUE,
    hosted      INTEGER NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('regional', 'working')),
    -- JSON arrays: language tags, and the moderating organisations' actor ids.
    languages   TEXT NOT NULL,
    moderators  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- Members of the groups hosted here (organisations on any node).
CREATE TABLE group_members (
    group_id   TEXT NOT NULL REFERENCES groups(id),
    org_uri    TEXT NOT NULL,
    org_name   TEXT NOT NULL,
    inbox      TEXT NOT NULL,
    host       TEXT NOT NULL,
    -- The Follow asking to join, as received (answered with Accept or Reject).
    follow     TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected', 'removed', 'left')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, org_uri)
);

-- Our organisations' own requests to join groups (here or elsewhere).
CREATE TABLE group_memberships (
    group_id   TEXT NOT NULL REFERENCES groups(id),
    org_id     TEXT NOT NULL REFERENCES organisations(id),
    follow_id  TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected', 'left')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, org_id)
);

-- Alerts (ours or received) addressed to a group this node knows.
CREATE TABLE group_alerts (
    group_id  TEXT NOT NULL REFERENCES groups(id),
    alert_uri TEXT NOT NULL,
    added_at  INTEGER NOT NULL,
    PRIMARY KEY (group_id, alert_uri)
);
