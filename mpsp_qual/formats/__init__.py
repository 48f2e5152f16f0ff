"""The formats layer: writers (and readers) of what leaves and comes back: tables, Excel
workbooks, the quote bank, coding sheets, REFI-QDA.

Formatters lay out the tables they are given; the quote bank writers re-apply the
consent gate before writing. May import every layer below (``core`` to ``consent``),
never ``app`` or an interface.
"""
