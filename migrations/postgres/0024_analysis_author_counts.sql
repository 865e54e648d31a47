-- An organisation's own released alerts are also counted under its author
-- class (`by:<organisation id>`, domain::analysis::author_class), so that
-- what it publishes across the network is read from the tallies instead of
-- counted from its facts at every request.
--
-- Every alert's facts, who may count it and its responses' practices are
-- written again when the node starts (services::analysis::backfill), and
-- every tally with them.
DELETE FROM analysis_facts;
DELETE FROM analysis_visibility;
DELETE FROM analysis_tallies;
DELETE FROM analysis_action_practices;
DELETE FROM analysis_practice_tallies;
DELETE FROM analysis_practice_fact_tallies;

-- A fact is a dimension and a value together ('sector' = 'mining'): without
-- statistics on the pair, the planner takes one for a few hundred alerts
-- when it stands for ten thousand, and reads them one by one (measured on
-- a table of one sector against two other dimensions at 100,000 alerts:
-- 170-250 ms without, under 100 ms with).
CREATE STATISTICS IF NOT EXISTS analysis_facts_dimension_value (mcv, dependencies)
    ON dimension, value FROM analysis_facts;
