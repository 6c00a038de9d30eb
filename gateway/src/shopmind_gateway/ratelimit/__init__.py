"""Token-bucket rate limits per caller and route, in memory or in Redis."""
