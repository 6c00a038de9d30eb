"""Knowledge fusion: external triples linked into the graph by the resolution rules."""
