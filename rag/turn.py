"""One question's state while it is answered (``Turn``) and the clock that
times its steps (``Timer``): shared by the steps of rag/answer.py and the
generative step (rag/generative.py)."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from index.lexical import LexicalIndex

from .extractive import Candidate
from .generate import Generator
from .notices import Notice
from .query import Query
from .retrieve import Hit, Retrieval


class Timer(dict):
    """Seconds per step, from one start (when the question came in).

    >>> t = Timer()
    >>> with t("check"): pass
    >>> with t("check"): pass
    >>> t.once("first_checked"); t.once("first_checked"); sorted(t), t["check"] >= 0
    (['check', 'first_checked'], True)
    """

    def __init__(self):
        super().__init__()
        self.start = time.perf_counter()

    def elapsed(self, since: float | None = None) -> float:
        return time.perf_counter() - (self.start if since is None else since)

    def once(self, name: str, since: float | None = None) -> None:
        """The time since the start (or ``since``), recorded the first time only."""
        self.setdefault(name, self.elapsed(since))

    @contextmanager
    def __call__(self, name: str) -> Iterator[float]:
        """Time a step (added up over repeats); yields when it began."""
        t0 = time.perf_counter()
        try:
            yield t0
        finally:
            self[name] = self.get(name, 0.0) + time.perf_counter() - t0


@dataclass
class Turn:
    """One question's state while it is answered."""

    question: str
    query: str
    lang: str
    mode: str
    why_mode: str
    q: Query
    lex: LexicalIndex  # the index ``q`` was analysed with and retrieved from
    ret: Retrieval
    hits: list[Hit]
    evidence: list[Candidate]  # candidate sentences allowed to answer (ranked)
    why_abstain: str | None
    gen: Generator | None
    timings: Timer
    notices: list[Notice]
    confidence: float  # answerability (rag/abstain.py), compared with the answerable threshold
    disagree: tuple[Candidate, Candidate] | None = None  # two articles saying opposite things about it
    candidates: list[Candidate] | None = None  # every candidate sentence, before selection (the eval trains on them)
    features: object = None  # their selector features (numpy rows of rag.selector.FEATURES), if computed
