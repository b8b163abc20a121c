"""Hybrid retrieval: dense (FAISS) + lexical (BM25 over Arabic stems), fused
with reciprocal rank fusion, near-duplicates removed, plus an `answerable`
signal the answering step uses to abstain.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from index.arabic import strip_diacritics, tokenize
from index.chunk import Chunk
from index.embed import Embedder, get_embedder
from index.lexical import analyze
from index.store import IndexStore

from .query import Query, analyse_query
from .synonyms import alternatives

MODES = ("hybrid", "dense", "bm25")


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # fused score used for ranking
    dense: float | None = None  # cosine similarity, when the dense side saw it
    lexical: float | None = None  # BM25 score, when the lexical side saw it


@dataclass(frozen=True)
class Retrieval:
    query: str
    hits: list[Hit]
    answerable: bool
    confidence: float  # 0..1; compared with the answerable threshold
    timings: dict = field(default_factory=dict)


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, len(a | b))


def make_retriever(store: IndexStore, settings, embedder: Embedder | None = None,
                   mode: str | None = None) -> "Retriever":
    """The retriever the settings describe, built in one place so `rag search`,
    `rag ask`, the eval and the bench rank alike (`rag search` once forgot
    ``dense_weight``)."""
    return Retriever(store, embedder, mode=mode or settings.retriever, rrf_k=settings.rrf_k,
                     dense_weight=settings.dense_weight, answerable_threshold=settings.answerable_threshold)


class Retriever:
    def __init__(
        self,
        store: IndexStore,
        embedder: Embedder | None = None,
        mode: str = "hybrid",
        rrf_k: int = 10,
        dense_weight: float = 1.0,
        candidates: int = 50,
        answerable_threshold: float = 0.315,
        dedup_jaccard: float = 0.8,
    ):
        if mode not in MODES:
            raise ValueError(f"retriever must be one of {MODES}, not {mode!r}")
        self.store = store
        self.embedder = embedder or get_embedder(store.embedder_id)
        self.mode = mode
        self.rrf_k = rrf_k
        self.dense_weight = dense_weight
        self.candidates = candidates
        self.answerable_threshold = answerable_threshold
        self.dedup_jaccard = dedup_jaccard
        # Per-chunk token sets for dedup and confidence, bounded: top hits
        # repeat across questions, the whole index need not be analysed.
        chunks, analyzer = store.chunks, store.lexical.analyzer
        self._chunk_tokens = lru_cache(maxsize=8192)(lambda row: frozenset(tokenize(chunks[row].text)))
        self._chunk_terms = lru_cache(maxsize=8192)(lambda row: frozenset(analyze(chunks[row].text, analyzer)))

    def analyse(self, query: str | Query) -> Query:
        """The query analysed once, with this index's analyzer (the caller's
        analysis is used as it is when it has the same analyzer)."""
        lex = self.store.lexical
        if isinstance(query, Query) and query.analyzer == lex.analyzer:
            return query
        return analyse_query(query.text if isinstance(query, Query) else query, lex.analyzer)

    def confidence(self, query: str | Query, hits: list[Hit], rows: list[int] | None = None) -> float:
        """How likely the passages answer the query, in 0..1.

        Dense cosine says "same topic"; lexical coverage (share of the
        query's content stems found in the best passage) says "the specific
        thing asked is there".  Non-Arabic queries rely on the dense side only,
        since BM25 cannot match English words to Arabic text.
        """
        if not hits:
            return 0.0
        cos = max((h.dense for h in hits if h.dense is not None), default=0.0)
        # USE cosine for related text sits roughly in 0.15..0.55; map to 0..1.
        dense_conf = float(np.clip((cos - 0.15) / 0.4, 0.0, 1.0))
        q = self.analyse(query)
        if q.language != "ar":
            return dense_conf
        lex = self.store.lexical
        q_terms = {t for t in q.tokens if len(t.lstrip("~")) > 1}
        if not q_terms:
            return 0.0  # only stopwords ("و", "ما هو؟"): nothing was asked about
        idf = lex.idf(sorted(q_terms))
        total = sum(idf.values())
        if rows is None:
            bags = [frozenset(analyze(h.chunk.text, lex.analyzer)) for h in hits[:3]]
        else:
            bags = [self._chunk_terms(r) for r in rows[:3]]
        coverage = max(sum(idf[t] for t in q_terms & bag) / total for bag in bags)
        return 0.5 * dense_conf + 0.5 * coverage

    def search(self, query: str | Query, k: int = 5, mode: str | None = None) -> Retrieval:
        mode = mode or self.mode
        q = self.analyse(query)
        query = q.text
        timings: dict[str, float] = {}
        n = len(self.store.chunks)
        cand = min(max(self.candidates, k * 4), n)

        dense: dict[int, tuple[int, float]] = {}  # row -> (rank, cosine)
        t0 = time.perf_counter()
        # Diacritics push USE off its training distribution (cosine ~0.02 for a
        # fully vowelled question); the lexical side normalises on its own.
        qvec = self.embedder.embed_queries([strip_diacritics(query)])
        timings["embed"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for rank, (row, score) in enumerate(self.store.search(qvec, cand)[0]):
            dense[row] = (rank, score)
        timings["dense"] = time.perf_counter() - t0

        lexical: dict[int, tuple[int, float]] = {}
        if mode != "dense":
            t0 = time.perf_counter()
            lex = self.store.lexical
            # Other names of what the question names («بيونغ يانغ» → كوريا الشمالية).
            terms = list(q.tokens)
            known = lex.known(terms)
            # ... and the clitic forms the articles use («لجباروف» → «جباروف»: rag/relevance.py).
            extra = list(dict.fromkeys(alternatives(terms, lex.analyzer).words(known) + q.alts.words(known)))
            for rank, (row, score) in enumerate(lex.top(terms, cand, extra)):
                lexical[row] = (rank, score)
            timings["bm25"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        fused: dict[int, float] = {}
        if mode in ("hybrid", "dense"):
            w = self.dense_weight if mode == "hybrid" else 1.0
            for row, (rank, _) in dense.items():
                fused[row] = fused.get(row, 0.0) + w / (self.rrf_k + rank + 1)
        if mode in ("hybrid", "bm25"):
            for row, (rank, _) in lexical.items():
                fused[row] = fused.get(row, 0.0) + 1.0 / (self.rrf_k + rank + 1)
        order = sorted(fused, key=lambda r: (-fused[r], r))

        hits: list[Hit] = []
        kept_rows: list[int] = []
        for row in order:
            toks = self._chunk_tokens(row)
            if any(_jaccard(toks, self._chunk_tokens(r)) >= self.dedup_jaccard for r in kept_rows):
                continue  # a near-copy of a better-ranked passage
            kept_rows.append(row)
            d = dense.get(row)
            lx = lexical.get(row)
            hits.append(
                Hit(
                    chunk=self.store.chunks[row],
                    score=fused[row],
                    dense=d[1] if d else self._cosine(qvec, row),
                    lexical=lx[1] if lx else None,
                )
            )
            if len(hits) == k:
                break
        timings["fusion"] = time.perf_counter() - t0
        conf = self.confidence(q, hits, kept_rows)
        return Retrieval(
            query=query,
            hits=hits,
            answerable=conf >= self.answerable_threshold,
            confidence=conf,
            timings=timings,
        )

    def _cosine(self, qvec: np.ndarray, row: int) -> float | None:
        vec = self.store.vector(row)  # None: IVF without a direct map
        return None if vec is None else float(vec @ qvec[0])
