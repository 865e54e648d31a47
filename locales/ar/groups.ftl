# groups pages (filled by the groups page family).
