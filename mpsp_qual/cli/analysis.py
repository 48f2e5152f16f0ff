"""Commands for analysis (filled in by its feature)."""
