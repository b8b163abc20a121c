"""Collect what the learned selector trains on: for each question, its
candidate sentences as the product finds them (``Assistant._prepare``: the
same retrieval, analysis and rule flags as an answer), their features, and
which hold a gold answer.

Used by ``rag eval --squad`` (cross-validated answers) and by
``python -m eval.train_selector`` (the committed weights).
"""

from __future__ import annotations

import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.build import build_index
from index.arabic import normalize
from rag.answer import Assistant
from rag.extractive import Candidate
from rag.settings import Settings

from .metrics import right
from .squad import SquadItem, SquadSplit, write_folder


@dataclass
class Question:
    id: str
    question: str
    answers: tuple[str, ...]
    kind: str  # answerable | off_corpus | near_topic (bundled: unanswerable questions are off_corpus)
    group: str  # the article (cross-validation never splits one)
    fold: int
    source: str  # "dev" (SQuAD file) or "bundled"
    X: np.ndarray
    y: np.ndarray  # 1 where the candidate holds a gold answer
    cands: list[Candidate]
    retrieved: bool  # a gold answer in one of the top-k passages
    language: str = "ar"
    category: str = ""
    history: tuple[str, ...] = ()


def _bar(items, desc: str, show: bool):
    if not show:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="q", file=sys.stderr)


def collect(assistant: Assistant, rows, k: int, show: bool = True, desc: str = "candidates") -> list[Question]:
    """``rows``: (id, question, answers, kind, group, fold, source, category, history)."""
    out = []
    for (qid, question, answers, kind, group, fold, source, category, history) in _bar(list(rows), desc, show):
        t = assistant._prepare(question, [(h, "") for h in history], "extractive", k)
        cands = list(t.candidates or [])
        X = t.features if t.features is not None else np.zeros((0, 0), dtype=np.float32)
        y = np.array([kind == "answerable" and right(c.text, answers) for c in cands], dtype=np.int32)
        found = kind == "answerable" and any(normalize(a) in normalize(h.chunk.text) for h in t.hits for a in answers)
        out.append(Question(qid, question, tuple(answers), kind, group, fold, source, X, y, cands, found,
                            t.lang, category, tuple(history)))
    return out


def squad_questions(split: SquadSplit, work: Path, settings: Settings, show: bool = True,
                    extra: list[SquadItem] | None = None) -> tuple[list[Question], Settings]:
    """Index the split's folder under ``work`` and collect its questions."""
    corpus = write_folder(split, work / "corpus")
    index = work / "index"
    build_index(corpus, index, **{**settings.build_options(), "embedder": settings.embedder}, full=True)
    s = settings.replace(corpus=corpus, index=index)
    assistant = Assistant(s)
    items = list(split.items) + list(extra or [])
    rows = [(it.id, it.question, it.answers, it.kind, it.article, it.fold, "dev", "", ()) for it in items]
    return collect(assistant, rows, s.k, show, "dev"), s


def bundled_questions(settings: Settings, dataset: Path, folds: int, show: bool = True) -> list[Question]:
    """The bundled eval set on the bundled articles, its questions grouped by
    article (an unanswerable one by its id) and dealt into the same folds."""
    import json

    from .dataset import load_dataset

    article = {}
    for line in Path(dataset).read_text(encoding="utf-8").splitlines():
        if line.strip():
            obj = json.loads(line)
            article[obj["id"]] = obj.get("article") or ""
    rows = []
    for it in load_dataset(dataset):
        group = "bundled:" + (article.get(it.id) or it.id)
        fold = zlib.crc32(group.encode()) % folds
        kind = "answerable" if it.answerable else "off_corpus"
        rows.append((it.id, it.question, it.answers, kind, group, fold, "bundled", it.category, it.history))
    return collect(Assistant(settings), rows, settings.k, show, "bundled")
