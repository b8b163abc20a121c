"""An answerer that needs no LLM: the sentences of the retrieved passages that
best answer the question, each cited."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from index.arabic import split_sentences
from index.embed import Embedder
from index.lexical import analyze

from .cite import attach_markers
from .retrieve import Hit

EN_PREFIX = "From the Arabic articles: "


@dataclass(frozen=True)
class Candidate:
    n: int  # passage number (1-based)
    text: str
    score: float


def candidates(question: str, hits: list[Hit], embedder: Embedder | None = None) -> list[Candidate]:
    """Every sentence of the passages, scored by IDF-weighted overlap with the
    question's stems plus (when an embedder is given) dense similarity, with a
    small bonus for passages ranked higher by retrieval."""
    sents: list[tuple[int, str]] = []
    for n, h in enumerate(hits, 1):
        text = h.chunk.text
        for s, e in split_sentences(text):
            sent = text[s:e]
            if len(sent.split()) >= 4:  # headings and captions rarely answer
                sents.append((n, sent))
    if not sents:
        return []
    q_terms = set(analyze(question, "stem+skeleton"))
    bags = [set(analyze(s, "stem+skeleton")) for _, s in sents]
    df: dict[str, int] = {}
    for b in bags:
        for t in b & q_terms:
            df[t] = df.get(t, 0) + 1
    idf = {t: math.log(1 + len(bags) / (1 + df.get(t, 0))) for t in q_terms}
    total = sum(idf.values()) or 1.0
    lex = np.array([sum(idf[t] for t in b & q_terms) / total for b in bags], dtype=np.float32)
    dense = np.zeros(len(sents), dtype=np.float32)
    if embedder is not None:
        vecs = embedder.embed_passages([s for _, s in sents])
        q = embedder.embed_queries([question])[0]
        dense = vecs @ q
    rank_bonus = np.array([0.05 / n for n, _ in sents], dtype=np.float32)
    score = 0.6 * lex + 0.4 * dense + rank_bonus
    return [Candidate(n=n, text=s, score=float(sc)) for (n, s), sc in zip(sents, score)]


def extract_answer(
    question: str, hits: list[Hit], language: str, embedder: Embedder | None = None, max_sentences: int = 2
) -> str:
    """Best one or two sentences, in passage order, each followed by [n].

    The second sentence is kept only when it scores close to the first, so a
    precise answer is not diluted.
    """
    cands = sorted(candidates(question, hits, embedder), key=lambda c: -c.score)
    if not cands:
        return ""
    picked = [cands[0]]
    for c in cands[1:]:
        if len(picked) >= max_sentences or c.score < 0.8 * cands[0].score:
            break
        if c.text not in {p.text for p in picked}:
            picked.append(c)
    text = attach_markers(" ".join(f"{c.text.rstrip()} [{c.n}]" for c in picked))
    return (EN_PREFIX + text) if language == "en" else text
