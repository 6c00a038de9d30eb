"""Conventional Commits messages from unified diffs."""
