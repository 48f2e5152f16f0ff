"""Commands for coding (filled in by its feature)."""
