"""The generative step: the model writes an answer from the prompt's
passages, and each of its sentences reaches the reader only once it passed
the check (support by one of the best evidence sentences, nothing added the
evidence does not state, relevance to the question)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Generator as Generator_, Iterable, Iterator

from index.arabic import normalize
from index.lexical import analyze

from .cite import Citation, SentenceCheck, check_sentence, split_streamed
from .generate import with_deadline
from .prompt import STOP, build_prompt
from .records import Checking
from .relevance import LINKS, relevance
from .retrieve import Hit
from .settings import Settings
from .statements import has_reason
from .turn import Turn

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

Kept = tuple[str, list[Citation], SentenceCheck]  # (text shown, its citations, its check)


@dataclass
class Generated:
    """What the model wrote and what of it was kept."""

    hits: list[Hit]  # the passages as the prompt numbered them
    kept: list[Kept] = field(default_factory=list)
    raw: str = ""  # all the model's text, as streamed
    pieces: int = 0
    rejected: int = 0


def said_no(text: str) -> bool:
    """The model said the articles do not answer.

    >>> said_no('لا تذكر المقالات ذلك.'), said_no('غاب بوتين عن القمة.')
    (True, False)
    """
    t = normalize(text)
    return any(normalize(p) in t for p in ("لا تذكر المقالات", "the articles do not say", "not in the articles"))


def _sentences(pieces: Iterable[str], out: Generated, t: Turn, began: float) -> Iterator[str]:
    """The model's complete sentences as they finish, then what is left; its
    text and piece count kept in ``out``."""
    buf = ""
    for piece in pieces:
        t.timings.once("ttft", began)
        out.raw, out.pieces, buf = out.raw + piece, out.pieces + 1, buf + piece
        done, buf = split_streamed(buf)
        yield from done
    if any(ch.isalpha() for ch in buf):
        yield buf


def _allowed(t: Turn, shown: list[Hit]) -> dict[int, list[tuple[int, int]]]:
    """The passages' sentences that may answer (the best ones, as for the
    evidence answer), as spans, numbered as the prompt shows the passages."""
    order = {id(h): n for n, h in enumerate(shown, 1)}
    allowed: dict[int, list[tuple[int, int]]] = {}
    top = t.evidence[0].score if t.evidence else 0.0
    for c in t.evidence:
        if c.score < EVIDENCE_RATIO * top:
            break
        n = order.get(id(t.hits[c.n - 1]))
        if n is not None:
            allowed.setdefault(n, []).append(c.span)
    return allowed


def generate(t: Turn, s: Settings) -> Generator_[str | Checking, None, Generated]:
    """Stream the model's answer sentence by sentence; yield only the
    sentences that pass the check (and ``Checking`` while one is written)."""
    gen = t.gen
    per_passage: dict[int, list[tuple[str, float]]] = {}
    for c in t.evidence:
        per_passage.setdefault(c.n, []).append((c.text, c.score))
    with t.timings("prompt"):
        prompt = build_prompt(t.q, t.hits, t.lang, gen.count_tokens, gen.context_size, s.max_tokens,
                              gen.chat, s.passage_tokens, per_passage)
    if prompt.notice:
        t.notices.append(prompt.notice)
    t.timings["prompt_tokens"] = sum(gen.count_tokens(m["content"]) for m in prompt.messages)
    allowed = _allowed(t, prompt.hits)
    out = Generated(prompt.hits)
    yield Checking(0)
    with t.timings("generate") as began:
        deadline = time.monotonic() + s.llm_timeout  # the model itself stops past it, even mid-prompt
        pieces = with_deadline(gen.stream(prompt.messages, s.max_tokens, s.temperature, STOP, deadline=deadline),
                               s.llm_timeout, deadline)
        try:
            for sentence in _sentences(pieces, out, t, began):
                verdict = check_generated(t, sentence, prompt.hits, allowed, s.support_threshold)
                if verdict is None:
                    out.rejected += 1
                else:
                    t.timings.once("first_checked")
                    out.kept.append(verdict)
                    yield verdict[0]
                if len(out.kept) >= MAX_KEPT or (out.rejected >= MAX_REJECTED and not out.kept):
                    break
                yield Checking(len(out.kept))
        finally:
            pieces.close()
    if out.pieces > 1 and "ttft" in t.timings:
        t.timings["tokens_per_s"] = (out.pieces - 1) / max(t.timings["generate"] - t.timings["ttft"], 1e-6)
    t.timings["tokens"] = out.pieces
    return out


def check_generated(t: Turn, sentence: str, hits: list[Hit], allowed: dict[int, list[tuple[int, int]]],
                    threshold: float) -> Kept | None:
    """(text to show, citations, check) for a generated sentence that passes, else None."""
    with t.timings("check"):
        shown, cites, check = check_sentence(sentence, hits, threshold, t.q, allowed)
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
