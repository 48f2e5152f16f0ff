"""The option vocabularies: the words the library, the command line and the web share.

Kept here, below everything, so that an interface can offer them as choices without
loading the library that acts on them.
"""

from __future__ import annotations

#: How transcripts are cut into segments.
UNITS = ("turn", "sentence")
#: How a table is printed.
TABLE_FORMATS = ("table", "csv", "json")
#: Which quotes a quote bank holds.
QUOTE_STATUSES = ("approved", "pending", "all")
#: How a quote is attributed.
ATTRIBUTIONS = ("label", "named")
#: A participant's decision on a quote.
DECISIONS = ("approved", "declined", "approved with edits")
#: What every sheet and printed page of a file holding text not cleared for quoting says
#: (and the command line on stderr, for a CSV or JSON file, which has no pages).
INTERNAL_MARK = "internal - contains text not cleared for quoting"
