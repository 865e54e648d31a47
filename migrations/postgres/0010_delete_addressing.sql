-- The `to` (a JSON list of URLs) of the last Create or Update of an alert each
-- inbox was sent, so that its Delete is addressed like the activity it undoes.
-- NULL for rows from before: the alert's audience then gives the addressing.
ALTER TABLE alert_recipients ADD COLUMN sent_to TEXT;
