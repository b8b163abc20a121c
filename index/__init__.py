"""Turn a folder of articles into a persisted, searchable index."""
