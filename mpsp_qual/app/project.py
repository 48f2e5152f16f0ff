"""The project: one directory holding ``project.sqlite``, and the API over it.

:class:`Project` is what the command line drives and what a notebook imports. It
opens the store once, runs each public operation in one transaction, and returns
pandas DataFrames with documented columns. It is a facade: the import, register and
codings APIs are services it holds (:mod:`~mpsp_qual.app.importing`,
:mod:`~mpsp_qual.app.participants`, :mod:`~mpsp_qual.app.codings`), listings come from
the store, and each feature entry point calls one engine with the store and plain data.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mpsp_qual.app.codings import CodingsService
from mpsp_qual.app.importing import ImportReport, ImportService, Progress, expand_paths, sha256_file
from mpsp_qual.app.participants import ParticipantsService
from mpsp_qual.core.columns import (
    DOCUMENT_COLUMNS,
    PARTICIPANT_COLUMNS,
    SEGMENT_COLUMNS,
    TURN_COLUMNS,
)
from mpsp_qual.core.errors import MpspQualError, ProjectError
from mpsp_qual.core.model import Codebook, PathLike
from mpsp_qual.inputs.register import read_register
from mpsp_qual.store.db import PROJECT_FILE, Store

__all__ = [
    "DOCUMENT_COLUMNS",
    "PARTICIPANT_COLUMNS",
    "SEGMENT_COLUMNS",
    "TURN_COLUMNS",
    "ImportReport",
    "Project",
    "expand_paths",
    "sha256_file",
]


class Project:
    """An mpsp-qual project directory and its open project file.

    Example:
        >>> project = Project.init("my-study", codebook="codebooks/partnerships.yaml")
        >>> project.import_transcripts(["interviews/"], register="participants.csv")
        >>> project.segments().head()
    """

    def __init__(self, directory: PathLike, store: Store) -> None:
        self.directory = Path(directory)
        self.store = store
        self._codebook: Codebook | None = None
        self._participants = ParticipantsService(store)
        self._codings = CodingsService(store)
        self._imports = ImportService(store, self._participants)
        # The services' public methods are the project's (composition, not mixins).
        self.import_transcripts = self._imports.import_transcripts
        self.load_register = self._participants.load_register
        self.participants = self._participants.participants
        self.participant = self._participants.participant
        self.participant_objects = self._participants.participant_objects
        self.codings = self._codings.codings
        self.record_codings = self._codings.record_codings
        self.default_coder = self._codings.default_coder
        self.coders = self._codings.coders
        self.memos = self._codings.memos
        self.coded_segments = self._codings.coded_segments

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def open(cls, directory: PathLike = ".") -> Project:
        """Open an existing project.

        Raises:
            ProjectError: the directory holds no project file.
        """
        d = Path(directory)
        return cls(d, Store(d / PROJECT_FILE))

    @classmethod
    def init(
        cls,
        directory: PathLike = ".",
        *,
        codebook: PathLike | Codebook | None = None,
        register: PathLike | None = None,
    ) -> Project:
        """Create a project (or open the one already there) and load its inputs.

        Raises:
            ProjectError: the directory cannot be created.
            CodebookError, RegisterError: the codebook or register is invalid; then no
                project file is left behind.
        """
        d = Path(directory)
        existed = (d / PROJECT_FILE).exists()
        cb = None
        if codebook is not None and not isinstance(codebook, Codebook):
            from mpsp_qual.inputs.codebook import load_codebook

            cb = load_codebook(codebook)
        elif isinstance(codebook, Codebook):
            cb = codebook
        people = read_register(register) if register is not None else None
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ProjectError(f"cannot create project directory {d} ({exc.strerror}).") from None
        project = cls(d, Store(d / PROJECT_FILE, create=True))
        try:
            with project.store.transaction():
                if not existed:
                    project.store.audit("init", {"directory": str(d)})
                if cb is not None:
                    project.set_codebook(cb, force=not existed)
                if people is not None:
                    project._participants.save(people, source=str(register))
        except MpspQualError:
            project.close()
            if not existed:
                for suffix in ("", "-wal", "-shm"):
                    (d / (PROJECT_FILE + suffix)).unlink(missing_ok=True)
            raise
        return project

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self):
        """One transaction for several operations (they each join it)."""
        return self.store.transaction()

    # -- codebook ----------------------------------------------------------------------

    @property
    def codebook(self) -> Codebook:
        """The project's codebook.

        Raises:
            ProjectError: no codebook was loaded.
        """
        if self._codebook is None:
            text = self.store.get_setting("codebook")
            if text is None:
                raise ProjectError(
                    f"the project in {self.directory} has no codebook; load one with {{hint}}.",
                    hint="codebook set FILE",
                )
            from mpsp_qual.inputs.codebook import load_codebook_text

            self._codebook = load_codebook_text(text, source="the project's codebook")
        return self._codebook

    def has_codebook(self) -> bool:
        return self.store.get_setting("codebook") is not None

    def set_codebook(self, codebook: Codebook | PathLike, *, force: bool = False) -> list[str]:
        """Replace the codebook; returns the ids of codes whose codings were dropped.

        Raises:
            CodebookError: the new codebook is invalid.
            ProjectError: the change would orphan existing codings and ``force`` is off.
        """
        from mpsp_qual.inputs.codebook import codebook_to_yaml, load_codebook

        cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
        with self.store.transaction():
            new_ids = {c.id for c in cb}
            used = [code for code in self.store.codings.used_codes() if code not in new_ids]
            if used and not force:
                raise ProjectError(
                    f"the new codebook drops {len(used)} code(s) that have codings "
                    f"({', '.join(used[:5])}{'...' if len(used) > 5 else ''}); "
                    "to drop those codings too, run {hint}.",
                    hint="codebook set FILE --force",
                )
            self.store.codings.set_codes([(c.id, c.parent, c.name) for c in cb])
            self.store.set_setting("codebook", codebook_to_yaml(cb))
            self.store.audit(
                "codebook set",
                {"name": cb.name, "version": cb.version, "codes": len(cb), "dropped": used},
            )
        self._codebook = cb
        return used

    # -- listings ----------------------------------------------------------------------

    def documents(self) -> pd.DataFrame:
        """One row per document: ``document, format, turns, segments, words, sha256, imported_at``."""
        return self.store.documents.frame()

    def document_text(self, name: str) -> str:
        """The plain text of one document (what offsets point into)."""
        return self.store.documents.text(name)

    def turns(self, *, document: str | None = None) -> pd.DataFrame:
        """Every turn, the interviewer's included: columns :data:`TURN_COLUMNS`."""
        return self.store.documents.turns_frame(document=document)

    def segments(
        self,
        *,
        participants_only: bool = False,
        include_withdrawn: bool = True,
        document: str | None = None,
    ) -> pd.DataFrame:
        """Every segment: columns :data:`SEGMENT_COLUMNS`.

        Args:
            participants_only: only segments spoken by a participant in the register.
            include_withdrawn: keep segments of withdrawn participants.
            document: only this document's segments.
        """
        return self.store.documents.segments_frame(
            participants_only=participants_only,
            include_withdrawn=include_withdrawn,
            document=document,
        )

    # -- feature entry points: the command line mirrors these -----------------------------

    def autocode(self, *, dry_run: bool = False, progress: Progress | None = None) -> pd.DataFrame:
        """Auto-code participant segments; see :func:`mpsp_qual.coding.autocode.autocode`."""
        from mpsp_qual.coding.autocode import autocode

        return autocode(self, dry_run=dry_run, progress=progress)

    def prevalence(self, *, coder: str | None = None, by: str | None = None) -> pd.DataFrame:
        """Prevalence by code; see :func:`mpsp_qual.analysis.aggregate.prevalence`."""
        from mpsp_qual.analysis.aggregate import prevalence

        return prevalence(self, coder=coder, by=by)

    def quotes(self, **options) -> pd.DataFrame:
        """The consent-gated quote bank; see :func:`mpsp_qual.consent.quotes.quote_bank`."""
        from mpsp_qual.consent.quotes import quote_bank

        return quote_bank(self, **options)

    def verify(self, draft: PathLike) -> pd.DataFrame:
        """Check a report draft's quotes; see :func:`mpsp_qual.consent.verify.verify_draft`."""
        from mpsp_qual.consent.verify import verify_draft

        return verify_draft(self, draft)

    def withdraw(self, participant_id: str, *, purge: bool = False):
        """Withdraw a participant; see :func:`mpsp_qual.consent.withdraw.withdraw`."""
        from mpsp_qual.consent.withdraw import withdraw

        return withdraw(self.store, self.participant(participant_id), purge=purge)
