"""Ingestion: catalog and enrichment events into the graph, in batches."""
