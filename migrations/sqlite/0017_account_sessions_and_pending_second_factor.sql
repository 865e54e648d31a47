-- What a person sees of their own browser sessions on their account page:
-- when each was last used and which browser started it (its User-Agent, as
-- the browser sent it, cut to 300 characters).
ALTER TABLE web_sessions ADD COLUMN last_used_at INTEGER;
ALTER TABLE web_sessions ADD COLUMN user_agent TEXT;

-- A second factor being enrolled from the account page: sealed like the
-- current one, and only put in its place once a code from it is confirmed,
-- so that a mistyped scan does not lock its owner out.
ALTER TABLE users ADD COLUMN totp_pending_secret TEXT;
