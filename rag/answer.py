"""The answering pipeline: question -> standalone query -> passages ->
streamed answer -> checked citations, or an honest abstention."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Iterator

from index.errors import ModelError, RagError
from index.store import IndexStore

from .cite import Citation, SentenceCheck, check_answer
from .abstain import expected_type, has_type
from .extractive import candidates, extract_answer
from .generate import Generator, get_generator, with_deadline
from .prompt import ABSTAIN, STOP, build_prompt
from .retrieve import Hit, Retrieval, Retriever
from .rewrite import rewrite
from .settings import Settings
from .textio import clean_question

MODES = ("generative", "extractive")
# Notices that say the LLM asked for was not used (the CLI's exit code 4 reads them).
LLM_UNAVAILABLE = "LLM unavailable"
LLM_FAILED = "The LLM failed"


@dataclass(frozen=True)
class Passage:
    n: int
    chunk_id: str
    article_id: str
    title: str
    source: str
    start: int
    end: int
    text: str
    score: float
    dense: float | None
    bm25: float | None
    cited: bool


@dataclass(frozen=True)
class Answer:
    question: str
    query: str  # the standalone query retrieval used (rewritten follow-ups)
    text: str
    language: str
    mode: str  # the mode that produced the text (a failed LLM falls back to extractive)
    abstained: bool
    citations: list[Citation]
    sentences: list[SentenceCheck]
    passages: list[Passage]
    confidence: float
    notices: list[str] = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    model: str = ""
    raw: str = ""  # the model's own text before checking

    def to_dict(self) -> dict:
        d = asdict(self)
        d["answer"] = d.pop("text")
        return d


def _passages(hits: list[Hit], cited: set[int]) -> list[Passage]:
    return [
        Passage(n=n, chunk_id=h.chunk.id, article_id=h.chunk.article_id, title=h.chunk.title, source=h.chunk.source, start=h.chunk.start,
                end=h.chunk.end, text=h.chunk.text, score=round(h.score, 6), dense=h.dense, bm25=h.lexical,
                cited=n in cited)
        for n, h in enumerate(hits, 1)
    ]


def _said_no(text: str) -> bool:
    from index.arabic import normalize

    t = normalize(text)
    return any(normalize(p) in t for p in ("لا تذكر المقالات", "the articles do not say", "not in the articles"))


class Assistant:
    """Holds the index, retriever and generator; safe to share between chat sessions."""

    def __init__(self, settings: Settings, store: IndexStore | None = None, generator: Generator | None = None):
        self.settings = settings
        self._generator = generator
        self._retriever: Retriever | None = None
        self._lock = threading.Lock()
        if store is not None:
            self._retriever = self._make_retriever(store)

    def _make_retriever(self, store: IndexStore) -> Retriever:
        s = self.settings
        return Retriever(store, mode=s.retriever, rrf_k=s.rrf_k, dense_weight=s.dense_weight,
                         answerable_threshold=s.answerable_threshold)

    @property
    def retriever(self) -> Retriever:
        with self._lock:
            if self._retriever is None:
                self._retriever = self._make_retriever(IndexStore.load(self.settings.index))
            return self._retriever

    def reload(self, store: IndexStore | None = None) -> IndexStore:
        """Swap in the live index generation (or an already loaded one); answers
        in flight finish on the old one."""
        store = store or IndexStore.load(self.settings.index)
        new = self._make_retriever(store)
        with self._lock:
            self._retriever = new
        return store

    def generator(self) -> Generator:
        if self._generator is None:
            s = self.settings
            self._generator = get_generator(s.llm_model, s.llm_url, s.llm_ctx, s.llm_threads, s.llm_timeout)
        return self._generator

    def warm(self, language: str = "ar") -> None:
        """Load the index, the embedder and the model, and run the fixed
        instructions through the model once: llama.cpp keeps them in its KV
        cache and reuses that prefix, so the first question starts as fast as
        the next ones.  Errors surface on the first real question instead."""
        self.retriever.embedder.embed_queries(["?"])
        s = self.settings
        if s.mode != "generative":
            return
        gen = self.generator()
        prompt = build_prompt("?", [], language, gen.count_tokens, gen.context_size, s.max_tokens, gen.chat)
        for _ in gen.stream(prompt.messages, 1, 0.0, STOP):
            pass

    def ask(self, question: str, history: list[tuple[str, str]] | None = None, **kw) -> Answer:
        for event in self.stream(question, history, **kw):
            if isinstance(event, Answer):
                return event
        raise RagError("no answer produced")  # unreachable: stream always ends with an Answer

    def stream(
        self, question: str, history: list[tuple[str, str]] | None = None, mode: str | None = None,
        k: int | None = None,
    ) -> Iterator[str | Answer]:
        """Yield text pieces as they are generated, then the final Answer."""
        s = self.settings
        mode = mode or s.mode
        if mode not in MODES:
            raise RagError(f"mode must be one of {MODES}, not {mode!r}")
        t_start = time.perf_counter()
        timings: dict[str, float] = {}
        notices: list[str] = []
        q = clean_question(question, s.max_question_chars)
        if q.notice:
            notices.append(q.notice)
        lang = q.language if q.language in ("ar", "en") else "ar"
        if q.language == "other":
            notices.append("Questions work best in Arabic or English; answering in Arabic.")

        gen: Generator | None = None
        if mode == "generative":
            try:
                gen = self.generator()
            except ModelError as e:
                notices.append(f"{LLM_UNAVAILABLE} ({e}); answered by extracting sentences instead.")
                mode = "extractive"

        t0 = time.perf_counter()
        query = rewrite(q.text, history or [], gen)
        timings["rewrite"] = time.perf_counter() - t0
        retriever = self.retriever
        t0 = time.perf_counter()
        ret: Retrieval = retriever.search(query, k or s.k)
        timings["retrieve"] = time.perf_counter() - t0
        timings.update({f"retrieve_{key}": v for key, v in ret.timings.items()})
        hits = ret.hits

        def finish(text: str, raw: str, used_mode: str, abstained: bool, shown: list[Hit]) -> Answer:
            t0 = time.perf_counter()
            if abstained:
                cites, checks = [], []
            else:
                text, cites, checks, dropped = check_answer(text, shown, s.support_threshold, q.text)
                if dropped:
                    notices.append(f"{dropped} citation(s) pointed to no shown passage and were removed.")
            timings["check"] = time.perf_counter() - t0
            timings["total"] = time.perf_counter() - t_start
            return Answer(
                question=q.text, query=query, text=text, language=lang, mode=used_mode, abstained=abstained,
                citations=cites, sentences=checks, passages=_passages(hits, {c.n for c in cites}),
                confidence=round(ret.confidence, 4), notices=notices, timings=timings,
                model=(gen.name if gen and used_mode == "generative" else "extractive"), raw=raw,
            )

        # Sentences that could answer, of the kind the question asks for
        # (a number for "how many", a date for "when").
        t0 = time.perf_counter()
        focus = q.text if query == q.text else query
        kind = expected_type(q.text)
        scored = candidates(focus, hits, retriever.embedder, retriever.store.lexical.idf)
        cands = [c for c in scored if has_type(c.text, kind)]
        timings["candidates"] = time.perf_counter() - t0
        if not hits or not ret.answerable or not cands:
            text = ABSTAIN[lang]
            yield text
            yield finish(text, "", mode, True, hits)
            return

        if mode == "generative":
            raw = ""
            try:
                t0 = time.perf_counter()
                per_passage: dict[int, list[tuple[str, float]]] = {}
                for c in scored:
                    per_passage.setdefault(c.n, []).append((c.text, c.score))
                prompt = build_prompt(focus, hits, lang, gen.count_tokens, gen.context_size, s.max_tokens,
                                      gen.chat, s.passage_tokens, per_passage)
                if prompt.notice:
                    notices.append(prompt.notice)
                timings["prompt_tokens"] = sum(gen.count_tokens(m["content"]) for m in prompt.messages)
                first = None
                n_pieces = 0
                for piece in with_deadline(gen.stream(prompt.messages, s.max_tokens, s.temperature, STOP),
                                           s.llm_timeout):
                    if first is None:
                        first = time.perf_counter()
                        timings["ttft"] = first - t0
                    raw += piece
                    n_pieces += 1
                    yield piece
                end = time.perf_counter()
                timings["generate"] = end - t0
                if first is not None and n_pieces > 1:
                    timings["tokens_per_s"] = (n_pieces - 1) / max(end - first, 1e-6)
                timings["tokens"] = n_pieces
            except RagError as e:
                notices.append(f"{LLM_FAILED} ({e}); answered by extracting sentences instead.")
            else:
                if _said_no(raw):
                    text = ABSTAIN[lang]
                    yield finish(text, raw, "generative", True, hits)
                    return
                text, _, checks, _ = check_answer(raw, prompt.hits, s.support_threshold, q.text)
                if checks and any(c.supported for c in checks):
                    yield finish(raw, raw, "generative", False, prompt.hits)
                    return
                notices.append("The model's answer was not supported by the passages; "
                               "showing the passages' best sentences instead.")

        else:
            raw = ""
        t0 = time.perf_counter()
        text = extract_answer(cands, lang)
        timings["extract"] = time.perf_counter() - t0
        if not text:
            yield ABSTAIN[lang]
            yield finish(ABSTAIN[lang], raw, "extractive", True, hits)
            return
        if mode == "extractive":
            yield text
        yield finish(text, raw, "extractive", False, hits)
