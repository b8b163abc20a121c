"""Saved answers and their exports, without SQLite or Gradio.

An answer is stored as the JSON of its dataclasses (``answer_record``) and
rebuilt as the same ``Answer`` (``answer_from_record``), so the chat renders an
old answer with its citations and passages exactly as it was shown, even after
the articles or the index changed.  ``to_markdown`` and ``to_json`` export a
whole conversation.
"""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

from .answer import Answer, Passage
from .cite import Citation, SentenceCheck
from .mdsafe import md_code, md_line, md_text
from .notices import Notice

EXPORT_FORMAT = "arabic-rag.conversation"
EXPORT_VERSION = 1


def answer_record(ans: Answer) -> dict:
    """The answer as plain JSON types (notices keep their code, not English).

    >>> from rag.notices import Code
    >>> a = Answer('q', 'q', 't [1].', 'ar', 'extractive', False, [], [], [], 0.5, [Notice(Code.MODEL_EMPTY)])
    >>> answer_record(a)['notices']
    [{'code': 'model_empty', 'count': 0, 'total': 0, 'detail': ''}]
    """
    d = dataclasses.asdict(ans)
    d["notices"] = [{**dataclasses.asdict(n), "code": str(n.code)} for n in ans.notices]
    return d


def _build(cls, d: Any, **fixed):
    """``cls`` from a stored dict, ignoring keys a newer version added."""
    if not isinstance(d, dict):
        raise ValueError(f"{cls.__name__}: expected an object, got {type(d).__name__}")
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in d.items() if k in names}, **fixed)


def _spans(sentence: dict) -> tuple[tuple[int, int, int], ...] | None:
    """A stored sentence's evidence spans; None when it was stored before they were recorded.

    >>> _spans({'spans': [[1, 0, 9]]}), _spans({'text': 'old'})
    (((1, 0, 9),), None)
    """
    spans = sentence.get("spans")
    return None if spans is None else tuple(tuple(x) for x in spans)


def answer_from_record(d: dict) -> Answer:
    """Rebuild a stored answer.  A notice whose code this version does not
    know (written by a newer one) is left out of the rebuilt answer; the
    stored record keeps it.  Raises ValueError/TypeError/KeyError on a record
    of the wrong shape.

    >>> a = Answer('q', 'q', 't', 'ar', 'extractive', False, [], [SentenceCheck('t', (1,), True, 0.9)], [], 0.5)
    >>> answer_from_record(json.loads(json.dumps(answer_record(a)))) == a
    True
    """
    notices = []
    for n in d.get("notices") or []:
        try:
            notices.append(Notice.from_dict(n))
        except ValueError:
            continue
    return _build(
        Answer, {k: v for k, v in d.items() if k not in ("citations", "sentences", "passages", "notices")},
        citations=[_build(Citation, c) for c in d.get("citations") or []],
        sentences=[_build(SentenceCheck, {**s, "cited": tuple(s.get("cited") or ()), "spans": _spans(s)})
                   for s in d.get("sentences") or []],
        passages=[_build(Passage, p) for p in d.get("passages") or []],
        notices=notices,
    )


def iso(ts: float) -> str:
    """UTC time for people and exports.

    >>> iso(0)
    '1970-01-01T00:00:00Z'
    """
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _quote(text: str) -> str:
    """A passage as a Markdown block quote (every line quoted).

    >>> _quote('a\\n\\nb')
    '> a\\n>\\n> b'
    """
    return "\n".join(("> " + line).rstrip() for line in text.strip().splitlines())


def sources(ans: Answer) -> tuple[str, list[Passage]]:
    """(heading key, passages) an export lists under an answer: the cited
    passages in citation order, or the closest ones for an abstention."""
    if ans.abstained:
        return "closest", list(ans.passages)
    by_n = {p.n: p for p in ans.passages}
    cited = [by_n[c.n] for c in ans.citations if c.n in by_n]
    return "sources", cited


MD_LABELS = {  # English, for the CLI; the chat passes the reader's language (ui/i18n.py)
    "summary": "{n} question(s), started {created}, last {updated}",
    "searched_for": "searched for:", "note": "note:", "sources": "Sources", "closest": "Closest passages",
}


def to_markdown(conv, labels: dict | None = None, notice=None) -> str:
    """A conversation (``rag.history.Conversation``) as Markdown: each question,
    the answer with its [n] markers, then its numbered sources with title,
    source file and passage text.  ``labels`` (keys of MD_LABELS) and
    ``notice`` (a Notice -> text) put its own words in another language.
    Every piece of stored text is escaped (rag/mdsafe.py): the file renders
    no tag, link or image of a question's or an article's making.

    >>> from rag.history import Conversation, Turn
    >>> a = Answer('q', 'q', '<script>x</script> [1]', 'ar', 'extractive', False, [], [], [], 0.5)
    >>> md = to_markdown(Conversation('c1', '[t](javascript:1)', 0, 0, 1, (Turn('<img src=x>', a, {}, 0),)))
    >>> '<' in md, '](' in md
    (False, False)
    >>> print(md.splitlines()[0])
    # \\[t]\\(javascript:1)
    """
    labels = {**MD_LABELS, **(labels or {})}
    notice = notice or (lambda n: n.english())
    summary = labels["summary"].format(n=len(conv.turns), created=iso(conv.created), updated=iso(conv.updated))
    out = [f"# {md_line(conv.title)}", "", f"_{summary}_", ""]
    for i, turn in enumerate(conv.turns, 1):
        ans = turn.answer
        out += [f"## {i}. {md_line(turn.question)}", "", md_text(ans.text.strip()), ""]
        if ans.query and ans.query != ans.question:
            out += [f"_{labels['searched_for']} {md_line(ans.query)}_", ""]
        notes = [notice(n) for n in ans.notices]
        out += [f"- {labels['note']} {md_line(n)}" for n in notes] + ([""] if notes else [])
        heading, passages = sources(ans)
        if passages:
            out += [f"**{labels[heading]}**", ""]
            for p in passages:
                out += [f"[{p.n}] **{md_line(p.title)}** — {md_code(p.source)}", "", _quote(md_text(p.text)), ""]
    return "\n".join(out).rstrip() + "\n"


def to_json(conv) -> str:
    """A conversation as one JSON document (answers as ``answer_record``)."""
    doc = {
        "format": EXPORT_FORMAT, "version": EXPORT_VERSION, "id": conv.id, "title": conv.title,
        "created": iso(conv.created), "updated": iso(conv.updated),
        "turns": [{"question": t.question, "asked": iso(t.created), "answer": t.record} for t in conv.turns],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
