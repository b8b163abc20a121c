"""The hand-written answer rules as named flags, one per rule, for the
learned selector (rag/selector.py): each rule marks the candidate sentences
it would refuse, applied alone to all of them.  The selector weighs the
flags with everything else, so a rule counts only as much as the dev data
says it does; ``rag eval --squad --ablate`` retrains without each one.

The rules are those ``rag.abstain.usable`` once applied as hard filters in
sequence (its docstrings say what each is for).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .abstain import _counted, _with_reason, earlier_thing, far_from_question, strict_focus, TYPED_FOCUS
from .kinds import asks_outcome, has_outcome
from .nations import moved_past, no_new_destination, other_leader
from .relevance import with_clitics
from .roles import names_nobody_else, swapped, unnamed, unspoken
from .statements import other_title, title_asked


@dataclass(frozen=True)
class Context:
    """What the rules need beside the query and the candidates."""

    known: set  # the question's terms that some article uses
    idf: dict  # the question's terms' IDF
    absent: tuple  # states, places, people the question names and no article does


def _each(test: Callable) -> Callable:
    """A rule that judges each sentence on its own."""
    return lambda q, cands, ctx: [bool(test(q, c, ctx)) for c in cands]


def _kept(select: Callable) -> Callable:
    """A rule that keeps a subset of the sentences (judged together)."""
    def flags(q, cands, ctx):
        kept = {id(c) for c in select(q, cands, ctx)}
        return [id(c) not in kept for c in cands]
    return flags


def _question(test: Callable) -> Callable:
    """A rule about the question alone: it refuses every sentence or none."""
    return lambda q, cands, ctx: [bool(test(q, ctx))] * len(cands)


def _typed(q, c, ctx) -> bool:
    if q.kind not in ("date", "number") and not q.city:
        return False
    if not (q.language == "ar" or q.alts.pairs):
        return False
    if strict_focus(q, c.terms, ctx.idf, ctx.known) < TYPED_FOCUS:
        return True
    return q.kind == "number" and bool(q.slot) and not _counted(c.text, q.slot, q.analyzer)


def _reason(q, cands, ctx):
    return _with_reason(q, cands) if q.kind == "reason" else cands


def _title(q, c, ctx) -> bool:
    org = title_asked(q.asked or q.text, q.analyzer) if q.language == "ar" else frozenset()
    return bool(org) and other_title(org, c.text, q.analyzer)


# name -> (module it lives in, flags(query, candidates, context) -> list[bool] "refused")
RULES: dict[str, tuple[str, Callable]] = {
    "not_mentioned": ("abstain", _question(
        lambda q, ctx: bool(ctx.absent) or bool(q.slot and q.language == "ar"
                                                and not set(with_clitics(q.slot)) & ctx.known))),
    "kind": ("relevance", _each(lambda q, c, ctx: c.rel is not None and not c.rel.kind_ok)),
    "slot_en": ("query", _each(lambda q, c, ctx: q.language == "en" and bool(q.slot) and q.kind != "number"
                               and c.rel is not None and not c.rel.slot_ok)),
    "far": ("abstain", _each(lambda q, c, ctx: c.rel is not None and bool(c.dense)
                             and far_from_question(c.rel.focus, c.dense))),
    "roles": ("roles", _each(lambda q, c, ctx: swapped(q.roles, c.text, q.analyzer)
                             or unspoken(q.roles, c.text, q.analyzer) or unnamed(q.roles, c.text, q.analyzer)
                             or (q.kind == "person" and names_nobody_else(q.roles, c.text, q.analyzer)))),
    "nations": ("nations", _each(lambda q, c, ctx: other_leader(q.text, c.text) or earlier_thing(q, c.terms)
                                 or no_new_destination(q, c.text, moved_past(q)))),
    "title": ("statements", _each(_title)),
    "outcome": ("kinds", _each(lambda q, c, ctx: asks_outcome(q.asked or q.text) and not has_outcome(c.text))),
    "reason": ("statements", _kept(_reason)),
    "typed": ("abstain", _each(_typed)),
}


def rule_flags(query, cands: list, ctx: Context, rules=None) -> dict[str, list[bool]]:
    """For each rule (all of ``RULES``, or the names in ``rules``), which
    candidates it refuses."""
    names = RULES if rules is None else [r for r in rules if r in RULES]
    return {name: RULES[name][1](query, cands, ctx) if cands else [] for name in names}
