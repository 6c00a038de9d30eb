"""Static performance advice for Python source."""
