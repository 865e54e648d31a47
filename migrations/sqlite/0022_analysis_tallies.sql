-- Counts kept ready for the shared analysis, so that a view over 100,000
-- alerts reads a few thousand rows instead of joining millions of facts
-- (src/db/analysis.rs, "Tallies").
--
-- Who may count an alert: `*` when every organisation of this node sees it,
-- else one row per organisation that does (a restricted alert's author and
-- the organisations it names, or a received one's recipients here). Drafts,
-- withdrawn and purged alerts have none.
CREATE TABLE analysis_visibility (
    source   TEXT NOT NULL CHECK (source IN ('own', 'network')),
    alert_id TEXT NOT NULL,
    class    TEXT NOT NULL,
    PRIMARY KEY (source, alert_id, class)
);
CREATE INDEX analysis_visibility_by_class ON analysis_visibility (class, source, alert_id);

-- How many alerts, for one class of viewers and one month of publication,
-- have one fact (dimension1, value1; dimension2 = ''), two facts (both, the
-- first sorting before the second), or are counted at all (all four '').
-- The month itself is a column, not a fact. Kept in the transaction that
-- changes an alert's facts or who may see it; rows that fall to zero are
-- deleted.
CREATE TABLE analysis_tallies (
    class      TEXT NOT NULL,
    month      TEXT NOT NULL,
    dimension1 TEXT NOT NULL,
    value1     TEXT NOT NULL,
    dimension2 TEXT NOT NULL,
    value2     TEXT NOT NULL,
    alerts     BIGINT NOT NULL,
    PRIMARY KEY (class, dimension1, value1, dimension2, value2, month)
);
-- Single facts (dimension2 = '') and pairs by their second fact.
CREATE INDEX analysis_tallies_by_second ON analysis_tallies (class, dimension2, value2, dimension1, value1, month);

-- Every alert's facts are written again when the node starts
-- (services::analysis::backfill), and the tallies with them.
DELETE FROM analysis_facts;
DELETE FROM analysis_visibility;
DELETE FROM analysis_tallies;

-- Which responses and offers of support an alert has had, as practices
-- (`action:letter`, `support:relocation`…), and who sees each: `*` when
-- every organisation here does, else each organisation that does (the
-- alert's author, the responding organisation, those chosen to see offers).
-- Kept from the responses in the transaction that records them.
CREATE TABLE analysis_action_practices (
    source   TEXT NOT NULL CHECK (source IN ('own', 'network')),
    alert_id TEXT NOT NULL,
    practice TEXT NOT NULL,
    class    TEXT NOT NULL,
    PRIMARY KEY (source, alert_id, practice, class)
);

-- How many closed alerts, for one class of viewers and one month of
-- publication, used one practice (`all` for every closed alert,
-- `requested:<kind>`, or those above) and ended with one outcome after one
-- span of time ('' when unknown).
CREATE TABLE analysis_practice_tallies (
    class    TEXT NOT NULL,
    month    TEXT NOT NULL,
    practice TEXT NOT NULL,
    outcome  TEXT NOT NULL,
    span     TEXT NOT NULL,
    alerts   BIGINT NOT NULL,
    PRIMARY KEY (class, practice, outcome, span, month)
);

-- The same, for the closed alerts with one fact (all months together): the
-- practice of a view with one filter.
CREATE TABLE analysis_practice_fact_tallies (
    class     TEXT NOT NULL,
    dimension TEXT NOT NULL,
    value     TEXT NOT NULL,
    practice  TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    span      TEXT NOT NULL,
    alerts    BIGINT NOT NULL,
    PRIMARY KEY (class, dimension, value, practice, outcome, span)
);
