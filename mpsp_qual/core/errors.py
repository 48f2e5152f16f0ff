"""Domain exceptions.

The library raises these and never prints or exits; the command line translates
them once, at its boundary, into one sentence on stderr and exit status 1.
Every message is a whole sentence that names the file (and the line, row or cell)
and, where there is one, the fix.

A fix that is a command is not spelled in the message: the message holds ``{hint}``
where it goes and the error carries the command's words apart (``hint="codebook set
FILE"``), so that each interface renders it its own way: the command line as
`` `mpsp-qual codebook set FILE` ``, the web workspace as a link, ``str()`` as
`` `codebook set FILE` ``. This module imports nothing of the package.
"""

from __future__ import annotations


class MpspQualError(Exception):
    """Base class of every error the library raises on purpose.

    Args:
        message: one sentence; ``{hint}`` marks where the hint's command goes.
        hint: the words of a command that fixes it, without the program's name.
    """

    def __init__(self, message: str = "", *args: object, hint: str | None = None) -> None:
        super().__init__(message, *args)
        self.message = message
        self.hint = hint

    def render(self, command: str = "`{}`") -> str:
        """The message with the hint laid out by ``command`` (a format with one ``{}``)."""
        if self.hint is None or "{hint}" not in self.message:
            return self.message
        return self.message.replace("{hint}", command.format(self.hint))

    def __str__(self) -> str:
        return self.render()


class InputError(MpspQualError):
    """A file the user gave cannot be read as what it claims to be."""


class TranscriptError(InputError):
    """A transcript that cannot be turned into speaker turns."""


class RegisterError(InputError):
    """A participants register that is malformed."""


class CodebookError(InputError):
    """A codebook that fails validation; ``problems`` lists every problem found."""

    def __init__(
        self, message: str, problems: list[str] | None = None, *, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.problems = list(problems or [])


class UnknownCode(MpspQualError):
    """A code id that the codebook does not define."""


class UnknownParticipant(MpspQualError):
    """A participant id that the register does not define."""


class ProjectError(MpspQualError):
    """The project directory or its project file is missing or unusable."""


class ImportConflict(MpspQualError):
    """A transcript changed since it was imported under the same name."""


class SheetError(InputError):
    """A coding sheet or approval workbook that cannot be imported; ``problems`` lists each cell."""

    def __init__(
        self, message: str, problems: list[str] | None = None, *, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.problems = list(problems or [])


class SurveyError(InputError):
    """A survey file with missing columns or answers outside the scale."""


class ReliabilityError(MpspQualError):
    """Agreement cannot be computed for the data given (say why, never guess a number)."""


class ExchangeError(InputError):
    """A REFI-QDA file that is unsafe or cannot be read."""


class AnalysisError(MpspQualError):
    """An analysis asked for what the project lacks (a coder, a register column) or cannot write."""


class QuoteError(MpspQualError):
    """A quote bank, approval or verification request the project cannot satisfy."""


class OutputError(MpspQualError):
    """An output file that cannot be written as asked (a wrong extension, say)."""
