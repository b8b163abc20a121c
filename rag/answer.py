"""The answering pipeline: question -> standalone query -> passages ->
checked answer sentences with citations, or an honest abstention.

Nothing shown is taken back: a generated sentence reaches the user only after
it passed the check (support by a relevant passage sentence, and relevance to
the question), and the evidence answer is computed before any of it is shown.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generator as Generator_, Iterator

from index.errors import ModelError, RagError
from index.lexical import LexicalIndex, analyze
from index.store import IndexStore

from .abstain import LOW_CONFIDENCE, answerability, usable
from .cite import Citation, SentenceCheck, check_answer, check_sentence, parse_markers, split_streamed
from .extractive import Candidate, candidates, disagreement, extract_answer
from .generate import Generator, get_generator, with_deadline
from .notices import Code, Notice
from .prompt import ABSTAIN, STOP, build_prompt
from .relevance import LINKS, Query, analyse_query, relevance, with_clitic_names, with_clitics
from .statements import has_reason
from .retrieve import Hit, Retrieval, Retriever, make_retriever
from .rewrite import rewrite
from .settings import Settings
from .stores import open_store
from .synonyms import entity_terms, unmentioned
from .textio import clean_question
from .records import (MODES, WHY_BASE, WHY_CHOSEN, WHY_INSTRUCT, WHY_NO_LLM, WHY_SERVER, Answer,  # noqa: F401
                      Checking, Passage, passages_of)

# A generative answer keeps at most this many checked sentences, and stops
# the model after this many rejected ones with none kept (a base model that
# has gone off track rarely comes back; each sentence costs ~0.5 s).
MAX_KEPT, MAX_REJECTED = 3, 2
# A generated sentence stands on the best evidence sentences only (those
# within this share of the best score), and says nothing they do not: every
# word it adds must be a common one (IDF below COMMON_IDF, a word in more than
# half the chunks).  With looser rules (any supported passage, 30 % overlap)
# 11 of the 22 answers the bundled model kept on the eval set were wrong,
# mostly with one invented name or a swapped word (eval/README.md).
EVIDENCE_RATIO = 0.75
COMMON_IDF = 1.0
MIN_CONTENT_WORDS = 3


def _said_no(text: str) -> bool:
    from index.arabic import normalize

    t = normalize(text)
    return any(normalize(p) in t for p in ("لا تذكر المقالات", "the articles do not say", "not in the articles"))


MAX_TURNS = 6  # earlier turns a rewrite looks at


def _bounded(history, max_chars: int) -> list[tuple[str, str]]:
    """The last turns of a client-supplied history, each question and answer
    cut to size: a history of 60,000-character questions made the rewrite's
    prompt so long that the model overran its deadline before the first token.

    >>> _bounded([('س' * 5000, 'ج' * 9000)] * 10, 1000)[0][0].__len__(), len(_bounded([('a', 'b')] * 10, 1000))
    (1000, 6)
    """
    out = []
    for turn in list(history or [])[-MAX_TURNS:]:
        q, a = (list(turn) + ["", ""])[:2] if isinstance(turn, (list, tuple)) else (str(turn), "")
        out.append((str(q or "")[:max_chars], str(a or "")[: 2 * max_chars]))
    return out


class _Timer(dict):
    @contextmanager
    def __call__(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self[name] = self.get(name, 0.0) + time.perf_counter() - t0


@dataclass
class _Turn:
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
    t_start: float
    timings: _Timer
    notices: list[Notice]
    confidence: float  # answerability (rag/abstain.py), compared with the answerable threshold
    disagree: tuple[Candidate, Candidate] | None = None  # two articles saying opposite things about it


class Assistant:
    """Holds the index, retriever and generator; safe to share between chat sessions."""

    def __init__(self, settings: Settings, store: IndexStore | None = None, generator: Generator | None = None):
        self.settings = settings
        self._generator = generator
        self._retriever: Retriever | None = None
        self._lock = threading.Lock()
        self._llm_error = ""
        if store is not None:
            self._retriever = self._make_retriever(store)

    def _make_retriever(self, store: IndexStore) -> Retriever:
        return make_retriever(store, self.settings)

    @property
    def retriever(self) -> Retriever:
        with self._lock:
            # A Milvus index is shared: follow another process's rebuild (index/backend.py Store.moved).
            if self._retriever is None or self._retriever.store.moved():
                self._retriever = self._make_retriever(open_store(self.settings))
            return self._retriever

    def reload(self, store: IndexStore | None = None) -> IndexStore:
        """Swap in the live index generation (or an already loaded one); answers
        in flight finish on the old one."""
        store = store or open_store(self.settings)
        new = self._make_retriever(store)
        with self._lock:
            self._retriever = new
        return store

    def generator(self) -> Generator:
        if self._generator is None:
            s = self.settings
            self._generator = get_generator(s.llm_model, s.llm_url, s.llm_ctx, s.llm_threads, s.llm_timeout)
        return self._generator

    def resolve_mode(self, mode: str | None = None) -> tuple[str, str]:
        """(mode, why) for a requested mode.  ``auto`` generates only with a
        model that follows instructions (a chat template, or a server): the
        bundled Gemma 3 270M is a base model whose own text contained a right
        answer for 21 % of the eval questions, against 83 % for the evidence
        answer (eval/README.md), so with it the evidence answers."""
        s = self.settings
        mode = mode or s.mode
        if mode not in MODES:
            raise RagError(f"mode must be one of {MODES}, not {mode!r}")
        if mode != "auto":
            return mode, WHY_CHOSEN
        if s.llm_url:
            return "generative", WHY_SERVER
        if not s.llm_model and self._generator is None:
            return "extractive", WHY_BASE  # the bundled base model; no need to load it
        try:
            gen = self.generator()
        except ModelError as e:
            self._llm_error = str(e)
            return "extractive", WHY_NO_LLM
        return ("generative", WHY_INSTRUCT) if gen.chat else ("extractive", WHY_BASE)

    def warm(self, language: str = "ar") -> None:
        """Load the index, the embedder and the model, and run the fixed
        instructions through the model once: llama.cpp keeps them in its KV
        cache and reuses that prefix, so the first question starts as fast as
        the next ones.  Errors surface on the first real question instead."""
        self.retriever.embedder.embed_queries(["?"])
        s = self.settings
        if self.resolve_mode()[0] != "generative":
            return
        gen = self.generator()
        prompt = build_prompt(analyse_query("?", self.retriever.store.lexical.analyzer), [], language, gen.count_tokens, gen.context_size, s.max_tokens, gen.chat)
        for _ in gen.stream(prompt.messages, 1, 0.0, STOP):
            pass

    def ask(self, question: str, history: list[tuple[str, str]] | None = None, **kw) -> Answer:
        for event in self.stream(question, history, **kw):
            if isinstance(event, Answer):
                return event
        raise RagError("no answer produced")  # unreachable: stream always ends with an Answer

    # ------------------------------------------------------------------ steps
    def _prepare(self, question: str, history, mode: str | None, k: int | None) -> _Turn:
        """Clean the question, pick the mode, rewrite, retrieve, and find the
        sentences that may answer (or why none may)."""
        s = self.settings
        t_start = time.perf_counter()
        timings, notices = _Timer(), []
        mode, why_mode = self.resolve_mode(mode)
        q = clean_question(question, s.max_question_chars)
        notices.extend(q.notices)
        lang = q.language if q.language in ("ar", "en") else "ar"
        if q.language == "other":
            notices.append(Notice(Code.OTHER_LANGUAGE))
        gen: Generator | None = None
        if mode == "generative":
            try:
                gen = self.generator()
            except ModelError as e:
                self._llm_error = str(e)
                mode, why_mode = "extractive", WHY_NO_LLM
        if why_mode == WHY_NO_LLM:  # the model asked for cannot be used: say so
            notices.append(Notice(Code.LLM_UNAVAILABLE, detail=self._llm_error))
        with timings("rewrite"):
            query = rewrite(q.text, _bounded(history, s.max_question_chars), gen)
        retriever = self.retriever
        lex = retriever.store.lexical
        # Analysed once, with the index's analyzer, for retrieval, candidates and checks.  A
        # rewritten follow-up is analysed as rewritten (its subject is in the rewrite), with the
        # carried-over words weighing less than the user's own.
        qa = with_clitic_names(analyse_query(query, lex.analyzer, asked=q.text), lex.known)
        with timings("retrieve"):
            ret = retriever.search(qa, k or s.k)
        timings.update({f"retrieve_{key}": v for key, v in ret.timings.items()})
        with timings("candidates"):
            scored = candidates(qa, ret.hits, retriever.embedder, lex.idf)
            idf = lex.idf(list(qa.terms))
            # Words a rewrite carried over from earlier turns are context, not
            # the user's own words: one the articles lack says nothing here.
            known = lex.known(qa.terms + with_clitics(qa.slot)) if query == q.text else set(qa.terms)
            absent = unmentioned(qa.terms, lex.known(entity_terms(lex.analyzer)), lex.analyzer) \
                if query == q.text else []
            evidence, why = usable(qa, scored, known, idf, lex.analyzer, absent)
            confidence = answerability(qa, scored, ret.hits)
        if not ret.hits or confidence < s.answerable_threshold:
            evidence, why = [], LOW_CONFIDENCE
        evidence.sort(key=lambda c: -c.score)
        disagree = disagreement(evidence)
        if disagree:  # said in any mode: a model's answer may take one side
            notices.append(Notice(Code.ARTICLES_DISAGREE, disagree[0].n, disagree[1].n))
        return _Turn(q.text, query, lang, mode, why_mode, qa, lex, ret, ret.hits, evidence, why, gen, t_start, timings,
                     notices, confidence, disagree)

    def _finish(self, t: _Turn, text: str, mode: str, abstained: bool, shown: list[Hit],
                checks: list[SentenceCheck] | None = None, cites: list[Citation] | None = None,
                raw: str = "", rejected: int = 0, why_abstained: str = "") -> Answer:
        if checks is None and not abstained:
            with t.timings("check"):
                _, cites, checks, _ = check_answer(text, shown, self.settings.support_threshold, t.q)
        t.timings["total"] = time.perf_counter() - t.t_start
        # Numbered as the checked text cites them: a prompt groups passages by article and
        # renumbers them (rag/prompt.py), and citation [3] must be the third passage shown.
        ordered = shown + [h for h in t.hits if all(h is not x for x in shown)]
        return Answer(
            question=t.question, query=t.query, text=text, language=t.lang, mode=mode, abstained=abstained,
            citations=list(cites or []), sentences=list(checks or []), passages=passages_of(ordered, {c.n for c in cites or []}),
            confidence=t.confidence, notices=t.notices, timings=dict(t.timings),
            model=(t.gen.name if t.gen and mode == "generative" else "extractive"), raw=raw, why_mode=t.why_mode,
            why_abstained=why_abstained if abstained else "", rejected=rejected,
        )

    def _abstain(self, t: _Turn, why: str, raw: str = "", mode: str | None = None) -> Iterator[str | Answer]:
        text = ABSTAIN[t.lang]
        yield text
        yield self._finish(t, text, mode or t.mode, True, t.hits, raw=raw, why_abstained=why)

    def _generate(self, t: _Turn) -> Generator_[str | Checking, None, tuple]:
        """Stream the model's answer sentence by sentence; yield only the
        sentences that pass the check (and ``Checking`` while one is written).
        Returns (kept, raw text, rejected count, the passages shown)."""
        s, gen = self.settings, t.gen
        per_passage: dict[int, list[tuple[str, float]]] = {}
        for c in t.evidence:
            per_passage.setdefault(c.n, []).append((c.text, c.score))
        with t.timings("prompt"):
            prompt = build_prompt(t.q, t.hits, t.lang, gen.count_tokens, gen.context_size, s.max_tokens,
                                  gen.chat, s.passage_tokens, per_passage)
        if prompt.notice:
            t.notices.append(prompt.notice)
        t.timings["prompt_tokens"] = sum(gen.count_tokens(m["content"]) for m in prompt.messages)
        # The passages' sentences that may answer (the best ones, as for the
        # evidence answer), renumbered as the prompt shows them.
        order = {id(h): n for n, h in enumerate(prompt.hits, 1)}
        allowed: dict[int, list[tuple[int, int]]] = {}
        top = t.evidence[0].score if t.evidence else 0.0
        for c in t.evidence:
            if c.score < EVIDENCE_RATIO * top:
                break
            n = order.get(id(t.hits[c.n - 1]))
            if n is not None:
                allowed.setdefault(n, []).append(c.span)
        raw, kept, rejected = "", [], 0
        t0 = time.perf_counter()
        n_pieces, first = 0, None

        def sentences(pieces) -> Iterator[str]:
            """The model's complete sentences as they finish, then what is left."""
            nonlocal raw, n_pieces, first
            buf = ""
            for piece in pieces:
                if first is None:
                    first = time.perf_counter()
                    t.timings["ttft"] = first - t0
                raw, buf, n_pieces = raw + piece, buf + piece, n_pieces + 1
                done, buf = split_streamed(buf)
                yield from done
            if any(ch.isalpha() for ch in buf):
                yield buf

        yield Checking(0)
        end = time.monotonic() + s.llm_timeout  # the model itself stops past it, even mid-prompt
        pieces = with_deadline(gen.stream(prompt.messages, s.max_tokens, s.temperature, STOP, deadline=end),
                               s.llm_timeout, end)
        try:
            for sentence in sentences(pieces):
                verdict = self._check_generated(t, sentence, prompt.hits, allowed)
                if verdict is None:
                    rejected += 1
                else:
                    t.timings.setdefault("first_checked", time.perf_counter() - t.t_start)
                    kept.append(verdict)
                    yield verdict[0]
                if len(kept) >= MAX_KEPT or (rejected >= MAX_REJECTED and not kept):
                    break
                yield Checking(len(kept))
        finally:
            pieces.close()
        end = time.perf_counter()
        t.timings["generate"] = end - t0
        if first is not None and n_pieces > 1:
            t.timings["tokens_per_s"] = (n_pieces - 1) / max(end - first, 1e-6)
        t.timings["tokens"] = n_pieces
        return kept, raw, rejected, prompt.hits

    def _check_generated(self, t: _Turn, sentence: str, hits: list[Hit], allowed: dict[int, list[tuple[int, int]]]):
        """(text to show, citations, check) for a generated sentence that passes, else None."""
        with t.timings("check"):
            shown, cites, check = check_sentence(sentence, hits, self.settings.support_threshold, t.q, allowed)
            if not check.supported or not shown:
                return None
            lex = t.lex  # the index the query was analysed and retrieved with
            terms = set(analyze(check.text, lex.analyzer))
            if len({x for x in terms if not x.startswith("~")}) < MIN_CONTENT_WORDS:
                return None  # a fragment ("فلاديمير بوتين") answers nothing
            added = sorted(terms - set(analyze(check.evidence, lex.analyzer)) - set(t.q.terms) - LINKS)
            known = lex.known(added)
            weights = lex.idf(added) if added else {}
            if any(x not in known or weights[x] >= COMMON_IDF for x in added):
                return None  # a name, number or fact its evidence does not state
            rel = relevance(t.q, check.text, lex.idf, lex.analyzer, tuple(h.chunk.title for h in hits))
            if not rel.ok or (t.q.kind == "reason" and not has_reason(check.text)):
                return None
        return " " + shown, cites, check

    # ------------------------------------------------------------------ the stream
    def stream(
        self, question: str, history: list[tuple[str, str]] | None = None, mode: str | None = None,
        k: int | None = None,
    ) -> Iterator[str | Checking | Answer]:
        """Yield checked text pieces (and ``Checking`` while the model writes a
        sentence), then the final Answer.  The pieces joined are the answer's text."""
        t = self._prepare(question, history, mode, k)
        if not t.evidence:
            yield from self._abstain(t, t.why_abstain or LOW_CONFIDENCE)
            return
        raw, rejected = "", 0
        if t.mode == "generative":
            kept, shown_hits = [], t.hits
            try:
                kept, raw, rejected, shown_hits = yield from self._generate(t)
            except RagError as e:
                t.notices.append(Notice(Code.LLM_FAILED, detail=str(e)))
            dropped = sum(n > len(shown_hits) or n < 1 for _, _, ns in parse_markers(raw) for n in ns)
            if dropped:
                t.notices.append(Notice(Code.CITATIONS_DROPPED, dropped))
            if kept:
                if rejected:
                    t.notices.append(Notice(Code.SENTENCES_REJECTED, rejected))
                text = "".join(piece for piece, _, _ in kept).strip()
                cites: list[Citation] = []
                for _, c_cites, _ in kept:
                    cites.extend(c for c in c_cites if c.n not in {x.n for x in cites})
                yield self._finish(t, text, "generative", False, shown_hits, [c for _, _, c in kept], cites, raw,
                                   rejected)
                return
            failed = any(n.code == Code.LLM_FAILED for n in t.notices)
            if raw and _said_no(raw) and not failed:
                yield from self._abstain(t, "model_said_no", raw, "generative")
                return
            if not failed:
                t.notices.append(Notice(Code.MODEL_UNSUPPORTED if raw.strip() else Code.MODEL_EMPTY))
        with t.timings("extract"):
            text = extract_answer(t.evidence, t.lang, disagree=t.disagree)
        t.timings.setdefault("first_checked", time.perf_counter() - t.t_start)
        yield text
        yield self._finish(t, text, "extractive", False, t.hits, raw=raw, rejected=rejected)
