"""User-facing errors: each message says what went wrong and what to do; the CLI maps each
class to an exit code (see ``assistant --help``)."""

from __future__ import annotations


class LibraryError(Exception):
    """The work failed (exit 1)."""


class UsageError(LibraryError):
    """The request itself is wrong: unknown paper, no library in that folder, an unusable question (exit 2)."""


class UnknownPaper(UsageError):
    pass


class NotALibrary(UsageError):
    pass


class InvalidQuestion(UsageError):
    pass


class Unavailable(LibraryError):
    """Retry later: another writer holds the library, or the Chroma server cannot be reached (exit 3)."""


class LibraryBusy(Unavailable):
    pass


class VectorStoreUnavailable(Unavailable):
    pass
