"""Patient safety, in plain Python: the deterministic emergency safety net and its staff-editable
patterns, and the recognition of questions about one's own dose or treatment."""
