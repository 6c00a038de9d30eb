"""docgen's own tables: documents and their versions, jobs, pending refreshes."""
