-- What software another node runs, as its NodeInfo said when an operator
-- added, approved or re-checked it: shown on the peers page so that an
-- operator knows whether the other side speaks Tadamun or is other
-- fediverse software.
ALTER TABLE peers ADD COLUMN software_name TEXT;
ALTER TABLE peers ADD COLUMN software_version TEXT;
ALTER TABLE peers ADD COLUMN software_checked_at INTEGER;
