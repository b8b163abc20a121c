"""Checking and trimming user questions."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from index.arabic import detect_language
from index.errors import QuestionError

from .notices import Code, Notice

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,300}>")


@dataclass(frozen=True)
class Question:
    text: str
    language: str  # 'ar', 'en' or 'other'
    notices: tuple[Notice, ...] = ()  # said to the user when the question was changed


def clean_question(raw: str | None, max_chars: int = 1000) -> Question:
    """Validate a question: not empty, control characters removed, trimmed to
    ``max_chars`` at word boundaries (with a notice): its start and its end
    are kept, since people paste context and ask last (a 1,616-character
    question cut to its first 999 lost the question at its end).

    >>> clean_question('  لماذا   تغيب بوتين؟ ').text
    'لماذا تغيب بوتين؟'
    >>> q = clean_question('لماذا \\udcff تغيب بوتين؟'); q.text, [n.code.value for n in q.notices]
    ('لماذا تغيب بوتين؟', ['question_bad_chars'])
    >>> q = clean_question('<div class="x" style="color:red">متى زار بوتين الصين؟</div>'); q.text, q.language
    ('متى زار بوتين الصين؟', 'ar')
    """
    text = raw or ""
    # Bytes that were not UTF-8 (a cp1256 terminal, a stray 0xff) arrive as lone
    # surrogates; they cannot be encoded again and crashed the answer.
    bad = len(_SURROGATE.findall(text))
    text = unicodedata.normalize("NFC", _SURROGATE.sub(" ", text))
    # Markup pasted with a question («<div class="x">متى…</div>») is not part of it: its
    # Latin attribute names made an Arabic question look English.
    text = _TAG.sub(" ", text)
    text = " ".join(_CONTROL.sub(" ", text).split())
    if bad and not any(ch.isalnum() for ch in text):
        raise QuestionError("The question is not valid UTF-8 text. Type it again, or set your terminal to UTF-8.",
                            QuestionError.NOT_TEXT)
    if not text or not any(ch.isalnum() for ch in text):
        raise QuestionError("The question is empty. Type a question about the articles.", QuestionError.EMPTY)
    notices = [Notice(Code.QUESTION_BAD_CHARS, bad)] if bad else []
    if len(text) > max_chars:
        cut = keep_ends(text, max_chars)
        notices.append(Notice(Code.QUESTION_TRUNCATED, len(text), len(cut)))
        text = cut
    return Question(text=text, language=detect_language(text), notices=tuple(notices))


GAP = " … "


def keep_ends(text: str, max_chars: int) -> str:
    """``text`` in at most ``max_chars`` characters: a third from its start and
    the rest from its end, each cut at a word, joined by « … ».

    >>> keep_ends("context " * 30 + "so why did it rain?", 60)
    'context context … context context so why did it rain?'
    >>> len(keep_ends("x" * 50, 20)) <= 20
    True
    """
    if len(text) <= max_chars:
        return text
    room = max_chars - len(GAP)
    head_n = room // 3
    head, tail = text[:head_n], text[len(text) - (room - head_n):]
    if " " in head[head_n // 2:]:
        head = head[: head.rfind(" ")]
    if " " in tail[: len(tail) // 2]:
        tail = tail[tail.find(" ") + 1:]
    return head.rstrip() + GAP + tail.lstrip()
