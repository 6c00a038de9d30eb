"""Other services this one calls."""
