"""Commands for quotes (filled in by its feature)."""
