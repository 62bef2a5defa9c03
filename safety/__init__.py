"""Patient safety, in plain Python: the deterministic emergency safety net and its staff-editable patterns."""
