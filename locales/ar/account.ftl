# account pages (filled by the account page family).
