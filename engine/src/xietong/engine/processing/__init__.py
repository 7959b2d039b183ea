"""Command processing: the single writer that turns commands into state changes and records."""
