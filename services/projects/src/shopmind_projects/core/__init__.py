"""Pieces every domain of the service shares: ETags, pages, idempotent creates."""
