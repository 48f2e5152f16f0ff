"""Commands for sheets (filled in by its feature)."""
