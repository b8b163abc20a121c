"""Removing an article from the corpus folder without destroying it: the file
is moved into ``<corpus>/.removed/<when>/``, a hidden folder the loader skips
(index/load.py ignores every path part that starts with a dot), so the next
build drops it from the index and the user can move it back at any time.
Used by `rag index remove`, the Articles tab's remove button and an upload
that replaces an article of the same name."""

from __future__ import annotations

import os
import time
from pathlib import Path

from .errors import CorpusError

REMOVED_DIR = ".removed"


class NotAnArticle(CorpusError):
    """The name is not a file of the corpus folder (``code`` says why, for a UI's own words)."""

    MISSING, OUTSIDE = "missing", "outside"

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def article_path(corpus: Path, name: str) -> Path:
    """The file ``name`` (relative to the corpus folder) names, refused when it
    is outside the folder, hidden (the removed folder included) or not a file.

    >>> import tempfile; d = Path(tempfile.mkdtemp()); _ = (d / "a.txt").write_text("x")
    >>> article_path(d, "a.txt").name
    'a.txt'
    >>> article_path(d, "../etc/passwd")
    Traceback (most recent call last):
    index.removed.NotAnArticle: '../etc/passwd' is not in the articles folder ...
    """
    corpus = Path(corpus).resolve()
    rel = Path(str(name).replace("\\", "/"))
    path = (corpus / rel).resolve()
    if (not path.is_relative_to(corpus) or path == corpus
            or any(p.startswith(".") for p in path.relative_to(corpus).parts)):
        raise NotAnArticle(f"{str(name)!r} is not in the articles folder {corpus}; give a file name as "
                           "`rag index status` lists it.", NotAnArticle.OUTSIDE)
    if not path.is_file():
        raise NotAnArticle(f"There is no article {str(name)!r} in {corpus}; `rag index status` lists them.",
                           NotAnArticle.MISSING)
    return path


def move_aside(corpus: Path, name: str, clock=time.time) -> Path:
    """Move the article ``name`` into ``<corpus>/.removed/<date-time>/`` (its
    sub-folders kept) and return where it is now; never overwrites, never deletes.

    >>> import tempfile; d = Path(tempfile.mkdtemp()); _ = (d / "a.txt").write_text("x")
    >>> moved = move_aside(d, "a.txt", clock=lambda: 0); moved.relative_to(d).as_posix(), (d / "a.txt").exists()
    ('.removed/19700101-000000/a.txt', False)
    """
    corpus = Path(corpus).resolve()
    path = article_path(corpus, name)
    rel = path.relative_to(corpus)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(clock()))
    for i in range(1, 1000):
        target = corpus / REMOVED_DIR / (stamp if i == 1 else f"{stamp}-{i}") / rel
        if not target.exists():
            break
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)  # the same filesystem: a rename, nothing copied or lost
    return target
