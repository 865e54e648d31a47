# admin pages (filled by the admin page family).
