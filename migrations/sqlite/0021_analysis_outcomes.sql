-- The analysis now also counts what members were asked to do, how closed
-- alerts ended and how long that took (domain::analysis). The facts are
-- dropped here and written again, with those, when the node starts
-- (services::analysis::backfill gives every alert without facts its own).
DELETE FROM analysis_facts;
