"""API references in Markdown from an OpenAPI document."""
