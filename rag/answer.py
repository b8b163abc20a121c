"""The answering pipeline: question -> standalone query -> passages ->
checked answer sentences with citations, or an honest abstention.

Nothing shown is taken back: a generated sentence reaches the user only after
it passed the check (support by a relevant passage sentence, and relevance to
the question), and the evidence answer is computed before any of it is shown.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Iterator

from index.errors import ModelError, RagError
from index.store import IndexStore

from .abstain import LOW_CONFIDENCE, answerability, usable
from .cite import Citation, SentenceCheck, check_answer, parse_markers
from .extractive import candidates, disagreement, extract_answer
from .generate import Generator
from .generators import get_generator
from .generative import Generated, generate, said_no
from .notices import Code, Notice
from .prompt import ABSTAIN, STOP, build_prompt
from .query import analyse_query
from .relevance import with_clitic_names, with_clitics
from .retrieve import Hit, Retriever, make_retriever
from .rule_flags import Context, rule_flags
from .selector import features, load_selector
from .rewrite import rewrite
from .settings import Settings
from .stores import open_store
from .synonyms import entity_terms, unmentioned
from .textio import clean_question
from .turn import Timer, Turn
from .records import (MODES, WHY_BASE, WHY_CHOSEN, WHY_INSTRUCT, WHY_NO_LLM, WHY_SERVER, Answer,  # noqa: F401
                      Checking, Passage, passages_of)

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
        query = analyse_query("?", self.retriever.store.lexical.analyzer)
        prompt = build_prompt(query, [], language, gen.count_tokens, gen.context_size, s.max_tokens, gen.chat)
        for _ in gen.stream(prompt.messages, 1, 0.0, STOP):
            pass

    def ask(self, question: str, history: list[tuple[str, str]] | None = None, **kw) -> Answer:
        for event in self.stream(question, history, **kw):
            if isinstance(event, Answer):
                return event
        raise RagError("no answer produced")  # unreachable: stream always ends with an Answer

    # ------------------------------------------------------------------ steps
    def _prepare(self, question: str, history, mode: str | None, k: int | None) -> Turn:
        """Clean the question, pick the mode, rewrite, retrieve, and find the
        sentences that may answer (or why none may)."""
        s = self.settings
        timings, notices = Timer(), []
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
            query = rewrite(q.text, _bounded(history, s.max_question_chars), gen,
                            deadline=time.monotonic() + s.llm_timeout)
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
            X = None
            if s.selector == "rules":  # the hand rules as hard filters, for comparison (eval/README.md)
                evidence, why = usable(qa, scored, known, idf, lex.analyzer, absent)
                confidence = answerability(qa, scored, ret.hits)
                threshold = s.answerable_threshold
            else:  # the learned selector (rag/selector.py): the rules are its features
                sel = load_selector()
                X = features(qa, scored, ret.hits, rule_flags(qa, scored, Context(known, idf, tuple(absent))))
                evidence = [replace(c, score=float(p)) for c, p in zip(scored, sel.predict(X))]
                confidence = sel.confidence(max((c.score for c in evidence), default=0.0))
                threshold, why = sel.threshold, None
        if not ret.hits or confidence < threshold:
            evidence, why = [], why or LOW_CONFIDENCE
        # Two articles at odds are found on the relevance scores (their ratio is
        # what DISAGREE_RATIO was measured on), among the sentences the selector kept.
        sides = evidence if X is None else [c for c, e in zip(scored, evidence) if e.score > 0]
        evidence.sort(key=lambda c: -c.score)
        disagree = disagreement(sides)
        if disagree:  # said in any mode: a model's answer may take one side
            notices.append(Notice(Code.ARTICLES_DISAGREE, disagree[0].n, disagree[1].n))
        return Turn(q.text, query, lang, mode, why_mode, qa, lex, ret, ret.hits, evidence, why, gen, timings,
                    notices, confidence, disagree, scored, X)

    def _finish(self, t: Turn, text: str, mode: str, abstained: bool, shown: list[Hit],
                checks: list[SentenceCheck] | None = None, cites: list[Citation] | None = None,
                raw: str = "", rejected: int = 0, why_abstained: str = "") -> Answer:
        if checks is None and not abstained:
            with t.timings("check"):
                _, cites, checks, _ = check_answer(text, shown, self.settings.support_threshold, t.q)
        t.timings["total"] = t.timings.elapsed()
        # Numbered as the checked text cites them: a prompt groups passages by article and
        # renumbers them (rag/prompt.py), and citation [3] must be the third passage shown.
        ordered = shown + [h for h in t.hits if all(h is not x for x in shown)]
        return Answer(
            question=t.question, query=t.query, text=text, language=t.lang, mode=mode, abstained=abstained,
            citations=list(cites or []), sentences=list(checks or []),
            passages=passages_of(ordered, {c.n for c in cites or []}),
            confidence=t.confidence, notices=t.notices, timings=dict(t.timings),
            model=(t.gen.name if t.gen and mode == "generative" else "extractive"), raw=raw, why_mode=t.why_mode,
            why_abstained=why_abstained if abstained else "", rejected=rejected,
        )

    def _abstain(self, t: Turn, why: str, raw: str = "", mode: str | None = None) -> Iterator[str | Answer]:
        text = ABSTAIN[t.lang]
        yield text
        yield self._finish(t, text, mode or t.mode, True, t.hits, raw=raw, why_abstained=why)

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
        out = Generated(t.hits)
        if t.mode == "generative":
            try:
                out = yield from generate(t, self.settings)
            except RagError as e:
                t.notices.append(Notice(Code.LLM_FAILED, detail=str(e)))
            dropped = sum(n > len(out.hits) or n < 1 for _, _, ns in parse_markers(out.raw) for n in ns)
            if dropped:
                t.notices.append(Notice(Code.CITATIONS_DROPPED, dropped))
            if out.kept:
                if out.rejected:
                    t.notices.append(Notice(Code.SENTENCES_REJECTED, out.rejected))
                text = "".join(piece for piece, _, _ in out.kept).strip()
                cites: list[Citation] = []
                for _, c_cites, _ in out.kept:
                    cites.extend(c for c in c_cites if c.n not in {x.n for x in cites})
                yield self._finish(t, text, "generative", False, out.hits, [c for _, _, c in out.kept], cites,
                                   out.raw, out.rejected)
                return
            failed = any(n.code == Code.LLM_FAILED for n in t.notices)
            if out.raw and said_no(out.raw) and not failed:
                yield from self._abstain(t, "model_said_no", out.raw, "generative")
                return
            if not failed:
                t.notices.append(Notice(Code.MODEL_UNSUPPORTED if out.raw.strip() else Code.MODEL_EMPTY))
        with t.timings("extract"):
            if t.features is None:  # the hand-rule path: its own ratios
                text = extract_answer(t.evidence, t.lang, disagree=t.disagree)
            else:  # scores are the selector's probabilities: its ratio, as in the eval
                sel = load_selector()
                text = extract_answer(t.evidence, t.lang, sel.max_sentences, t.disagree, sel.keep_ratio)
        t.timings.once("first_checked")
        yield text
        yield self._finish(t, text, "extractive", False, t.hits, raw=out.raw, rejected=out.rejected)
