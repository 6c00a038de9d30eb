"""The relational model of the service and its migrations."""
