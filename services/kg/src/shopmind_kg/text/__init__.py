"""Text handling for the graph: normalised keys, the seed lexicon, product extraction, intents."""
