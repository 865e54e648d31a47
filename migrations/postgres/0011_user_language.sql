-- The language a staff member chose for the pages (en, ar, fr or es); NULL:
-- their browser's.
ALTER TABLE users ADD COLUMN language TEXT;
