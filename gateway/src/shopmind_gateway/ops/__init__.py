"""What operators read: aggregated health, the merged OpenAPI and metrics."""
