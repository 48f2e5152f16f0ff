"""Connections for the web app: reads on their own connections, writes serialised.

Reads run on a small pool of reader threads, each with its own open
:class:`~mpsp_qual.app.project.Project` (an SQLite connection belongs to the thread
that opened it; in WAL mode readers never wait for the writer). Writes run on one
writer thread with its own connection, so two tabs' writes run one after the other,
each in its own short transaction; a CLI command writing at the same time waits on
SQLite's lock instead, and nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from mpsp_qual.app.project import Project
from mpsp_qual.app.workspace import refresh

T = TypeVar("T")
READERS = 4


class Connections:
    """Reader threads and the one writer thread over one project directory."""

    def __init__(self, directory: Path, *, readers: int = READERS) -> None:
        self.directory = Path(directory)
        self._local = threading.local()
        self._readers = ThreadPoolExecutor(readers, thread_name_prefix="mpsp-qual-read")
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="mpsp-qual-write")
        self._all: list[Project] = []
        self._all_lock = threading.Lock()
        self._closed = False

    def _project(self) -> Project:
        project = getattr(self._local, "project", None)
        if project is None:
            project = Project.open(self.directory)
            self._local.project = project
            with self._all_lock:
                self._all.append(project)
        refresh(project)
        return project

    async def read(self, work: Callable[[Project], T]) -> T:
        """Run ``work(project)`` on a reader thread's own connection."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, lambda: work(self._project()))

    async def write(self, work: Callable[[Project], T]) -> T:
        """Run ``work(project)`` on the writer thread: one write at a time."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, lambda: work(self._project()))

    def close(self) -> None:
        """Close every connection (each on its own thread) and stop the threads (once)."""
        if self._closed:
            return
        self._closed = True

        def close_mine() -> Any:
            project = getattr(self._local, "project", None)
            if project is not None:
                with contextlib.suppress(Exception):
                    project.close()
                self._local.project = None

        for pool, n in ((self._readers, self._readers._max_workers), (self._writer, 1)):
            barrier = threading.Barrier(n, timeout=5)

            def close_on_thread(barrier=barrier) -> None:
                close_mine()
                with contextlib.suppress(threading.BrokenBarrierError):
                    barrier.wait()

            for future in [pool.submit(close_on_thread) for _ in range(n)]:
                with contextlib.suppress(Exception):
                    future.result(timeout=10)
            pool.shutdown(wait=True)
