"""Admin-only access: read-only raw Cypher."""
