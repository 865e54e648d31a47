# organisation pages (filled by the organisation page family).
