"""Why a file or a JSONL line was not indexed: the ``Skip`` codes, their
English messages and ``LoadProblem``, the exception that carries one.

Its own module so that the readers can raise them without an import cycle:
index/load.py, index/documents.py, index/reader.py and index/child.py all
need them, and load.py imports the other three (it re-exports these names:
``from index.load import Skip, LoadProblem, SUPPORTED`` still works).
"""

from __future__ import annotations

from enum import StrEnum

SUPPORTED = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl", ".pdf", ".docx")


class Skip(StrEnum):
    """Why a file or a JSONL line was not indexed (the CLI prints ``english``,
    the chat translates the code)."""

    EMPTY = "empty"
    BINARY = "binary"
    NOT_UTF8 = "not_utf8"  # detail: the byte and offset
    NO_TEXT = "no_text"  # nothing left after cleaning
    UNSUPPORTED = "unsupported"  # detail: the extension
    TOO_LARGE = "too_large"  # detail: the size
    BAD_JSON = "bad_json"  # detail: the parser's message
    NOT_OBJECT = "not_object"
    NO_TEXT_FIELD = "no_text_field"
    DUPLICATE_ID = "duplicate_id"  # detail: the id
    TOO_DEEP = "too_deep"
    UNREADABLE = "unreadable"  # detail: the error's type or message
    BROKEN_LINK = "broken_link"
    NOT_REGULAR = "not_regular"
    OUTSIDE_LINK = "outside_link"
    OUTSIDE_FOLDER_LINK = "outside_folder_link"
    NO_TEXT_LAYER = "no_text_layer"  # a scanned PDF: images, no text
    ENCRYPTED = "encrypted"  # detail: what else it may be
    DAMAGED = "damaged"  # detail: the parser's message
    TOO_MANY_PAGES = "too_many_pages"  # detail: the count
    TOO_COMPLEX = "too_complex"  # detail: the limit it hit (time, memory, unpacked size)


_ENGLISH = {
    Skip.EMPTY: "empty file",
    Skip.BINARY: "binary file (contains NUL bytes)",
    Skip.NOT_UTF8: "not valid UTF-8 ({detail}); re-save the file as UTF-8",
    Skip.NO_TEXT: "no article text left after cleaning",
    Skip.UNSUPPORTED: "unsupported file type '{detail}' (use " + ", ".join(SUPPORTED) + ")",
    Skip.TOO_LARGE: "file too large ({detail})",
    Skip.BAD_JSON: "invalid JSON: {detail}",
    Skip.NOT_OBJECT: "not a JSON object",
    Skip.NO_TEXT_FIELD: "missing or empty 'text'",
    Skip.DUPLICATE_ID: "duplicate id '{detail}'",
    Skip.TOO_DEEP: "JSON nested too deeply",
    Skip.UNREADABLE: "unreadable ({detail})",
    Skip.BROKEN_LINK: "a broken link",
    Skip.NOT_REGULAR: "not a regular file (a pipe, socket or device)",
    Skip.OUTSIDE_LINK: "a link to a file outside the corpus folder (skipped; pass --follow-links to index it)",
    Skip.OUTSIDE_FOLDER_LINK: "a link to a folder outside the corpus folder (skipped; pass --follow-links to index "
                              "its files)",
    Skip.NO_TEXT_LAYER: "a scanned PDF: its pages are images with no text layer; run OCR on it (e.g. ocrmypdf) "
    "and add the result",
    Skip.ENCRYPTED: "password-protected {detail}; save a copy without a password",
    Skip.DAMAGED: "damaged or truncated file ({detail})",
    Skip.TOO_MANY_PAGES: "too many pages ({detail}); split it into smaller files",
    Skip.TOO_COMPLEX: "too complex to read safely ({detail})",
}


class LoadProblem(ValueError):
    """One file or line cannot be loaded; ``load_corpus`` turns it into a Skipped."""

    def __init__(self, code: Skip, detail: str = "", remembered: bool = False):
        self.code, self.detail, self.remembered = code, detail, remembered
        self.took = 0.0  # seconds the child spent finding it out
        super().__init__(_ENGLISH[code].format(detail=detail) + (_REMEMBERED if remembered else ""))


# A file that failed is remembered by its content's digest (index/reader.py): a 77 KB PDF
# stalled every rebuild for 300 s, again and again.
_REMEMBERED = "; it failed before and is not read again until it changes"
