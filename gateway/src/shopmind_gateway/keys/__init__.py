"""API keys: created once, stored as salted hashes, listed and revoked."""
