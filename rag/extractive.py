"""An answerer that needs no LLM: the sentences of the retrieved passages that
best answer the question, each cited."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from index.arabic import split_sentences, strip_diacritics
from index.embed import Embedder
from index.lexical import analyze

from .cite import attach_markers
from .retrieve import Hit

EN_PREFIX = "From the Arabic articles: "
# Chosen on the eval set (see eval/README.md): three sentences of at least six
# words, a fourth of a sentence kept only when it scores >= 60 % of the best.
MIN_WORDS = 6
MAX_SENTENCES = 3
KEEP_RATIO = 0.6


@dataclass(frozen=True)
class Candidate:
    n: int  # passage number (1-based)
    text: str
    score: float
    lexical: float = 0.0  # idf-weighted share of the question's terms in the sentence
    dense: float = 0.0  # cosine with the question


def candidates(question: str, hits: list[Hit], embedder: Embedder | None = None,
               idf: Callable[[list[str]], dict[str, float]] | None = None) -> list[Candidate]:
    """Every sentence of the passages, scored by IDF-weighted overlap with the
    question's stems plus (when an embedder is given) dense similarity, with a
    small bonus for passages ranked higher by retrieval."""
    sents: list[tuple[int, str]] = []
    for n, h in enumerate(hits, 1):
        text = h.chunk.text
        for s, e in split_sentences(text):
            sent = text[s:e]
            if len(sent.split()) >= MIN_WORDS:  # headings and captions rarely answer
                sents.append((n, sent))
    if not sents:
        return []
    q_terms = set(analyze(question, "stem+skeleton"))
    bags = [set(analyze(s, "stem+skeleton")) for _, s in sents]
    if idf is not None:  # corpus-wide weights: a term no article uses weighs most
        weights = idf(sorted(q_terms))
    else:
        df: dict[str, int] = {}
        for b in bags:
            for t in b & q_terms:
                df[t] = df.get(t, 0) + 1
        weights = {t: math.log(1 + len(bags) / (1 + df.get(t, 0))) for t in q_terms}
    total = sum(weights.values()) or 1.0
    lex = np.array([sum(weights[t] for t in b & q_terms) / total for b in bags], dtype=np.float32)
    dense = np.zeros(len(sents), dtype=np.float32)
    if embedder is not None:
        vecs = embedder.embed_passages([s for _, s in sents])
        q = embedder.embed_queries([strip_diacritics(question)])[0]
        dense = vecs @ q
    rank_bonus = np.array([0.05 / n for n, _ in sents], dtype=np.float32)
    score = 0.6 * lex + 0.4 * dense + rank_bonus
    return [Candidate(n=n, text=s, score=float(sc), lexical=float(lx), dense=float(dn))
            for (n, s), sc, lx, dn in zip(sents, score, lex, dense)]


def extract_answer(cands: list[Candidate], language: str, max_sentences: int = MAX_SENTENCES) -> str:
    """The best sentences (up to ``max_sentences``), each followed by its [n].

    A further sentence is kept only when it scores at least ``KEEP_RATIO`` of
    the best, so a precise answer is not diluted.
    """
    cands = sorted(cands, key=lambda c: -c.score)
    if not cands:
        return ""
    picked = [cands[0]]
    for c in cands[1:]:
        if len(picked) >= max_sentences or c.score < KEEP_RATIO * cands[0].score:
            break
        if c.text not in {p.text for p in picked}:
            picked.append(c)
    text = attach_markers(" ".join(f"{c.text.rstrip()} [{c.n}]" for c in picked))
    return (EN_PREFIX + text) if language == "en" else text
