"""Commands for exchange (filled in by its feature)."""
