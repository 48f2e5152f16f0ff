"""Connections for the web app: reads on their own connection, writes serialised.

Each server thread opens its own :class:`~mpsp_qual.app.project.Project` (SQLite
connections belong to the thread that made them; WAL lets them read while another
writes). Writes also go through one lock, so that two tabs' writes run one after
the other, each in its own short transaction; a CLI command writing at the same time
waits on SQLite's lock instead.
"""

from __future__ import annotations

import contextlib
import threading
from contextlib import contextmanager
from pathlib import Path

from mpsp_qual.app.project import Project


class Connections:
    """Per-thread projects over one project directory, and the one write lock."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._local = threading.local()
        self._write = threading.Lock()
        self._all: list[Project] = []
        self._all_lock = threading.Lock()

    def project(self) -> Project:
        """This thread's open project (opened on first use)."""
        project = getattr(self._local, "project", None)
        if project is None:
            project = Project.open(self.directory)
            self._local.project = project
            with self._all_lock:
                self._all.append(project)
        return project

    @contextmanager
    def writing(self):
        """The project, with the write lock held: one write at a time."""
        with self._write:
            yield self.project()

    def close(self) -> None:
        with self._all_lock:
            for project in self._all:
                # Another thread's connection may refuse to be closed from this one.
                with contextlib.suppress(Exception):
                    project.close()
            self._all.clear()
