"""The store: the project file (SQLite) and all SQL, behind methods grouped by subject.

This package MUST import nothing of mpsp_qual but ``core``; it is the only place that
touches ``sqlite3`` or writes SQL. :class:`~mpsp_qual.store.db.Store` opens the file,
applies migrations and runs transactions; its attributes ``documents``,
``participants``, ``codings``, ``approvals``, ``purge`` ... hold the queries of each
subject.
"""
