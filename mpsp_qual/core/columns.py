"""The documented columns of the tables the library returns, named once.

Every listing is a pandas DataFrame whose columns are these, in this order, so
that the store that fills them, the app that returns them and the formats that lay
them out agree. The participants register's reserved columns are here too: every
other register column is an attribute.
"""

from __future__ import annotations

#: The register's reserved columns; every other column of a register is an attribute.
PARTICIPANT_COLUMNS = [
    "participant_id",
    "transcript",
    "speaker",
    "name",
    "organisation",
    "role",
    "consent_quotes",
    "consent_named",
    "attribution",
    "withdrawn",
]

TURN_COLUMNS = [
    "document",
    "turn",
    "speaker",
    "participant_id",
    "start_time",
    "start",
    "end",
    "text",
]
SEGMENT_COLUMNS = [
    "segment_id",
    "document",
    "turn",
    "speaker",
    "participant_id",
    "start_time",
    "start",
    "end",
    "text",
]
DOCUMENT_COLUMNS = ["document", "format", "turns", "segments", "words", "sha256", "imported_at"]
CODING_COLUMNS = [
    "segment_id",
    "document",
    "turn",
    "speaker",
    "participant_id",
    "code",
    "coder",
    "evidence",
]
