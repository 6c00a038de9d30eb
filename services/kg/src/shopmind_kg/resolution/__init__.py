"""Entity resolution: normalised keys, aliases, embedding near-duplicates and merges."""
