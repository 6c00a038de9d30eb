"""Generated pytest files: API tests from OpenAPI, edge-case skeletons from source."""
