"""The project's exceptions. Every message says what to do next; the CLI and UI
print them without a stack trace."""


class RagError(Exception):
    """Base class for errors a user can act on."""


class CorpusError(RagError):
    """The corpus folder is missing, empty or unreadable."""


class IndexMissingError(RagError):
    """No index at the given path."""


class IndexCorruptError(RagError):
    """Index files are truncated, damaged or inconsistent."""


class IndexMismatchError(RagError):
    """The index was built with another embedder or format version."""


class ModelError(RagError):
    """A model could not be found, downloaded or loaded."""


class QuestionError(RagError):
    """The question is empty or cannot be used; ``code`` says which, for a UI's own words."""

    EMPTY, NOT_TEXT = "empty", "not_text"

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.code = code


class DatasetError(RagError):
    """An eval dataset file is malformed."""


class HistoryError(RagError):
    """The conversation database cannot be opened, read or written."""


class ConversationNotFound(HistoryError):
    """No conversation with that id for this user (another user's looks the same)."""
