"""Checking and trimming user questions."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from index.arabic import detect_language
from index.errors import QuestionError

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Question:
    text: str
    language: str  # 'ar', 'en' or 'other'
    notice: str = ""  # said to the user when the question was changed


def clean_question(raw: str | None, max_chars: int = 1000) -> Question:
    """Validate a question: not empty, control characters removed, trimmed to
    ``max_chars`` at a word boundary (with a notice).

    >>> clean_question('  لماذا   تغيب بوتين؟ ').text
    'لماذا تغيب بوتين؟'
    """
    text = unicodedata.normalize("NFC", raw or "")
    text = " ".join(_CONTROL.sub(" ", text).split())
    if not text or not any(ch.isalnum() for ch in text):
        raise QuestionError("The question is empty. Type a question about the articles.")
    notice = ""
    if len(text) > max_chars:
        cut = text[:max_chars]
        if " " in cut[max_chars // 2 :]:
            cut = cut[: cut.rfind(" ")]
        notice = f"The question was {len(text):,} characters long; only the first {len(cut):,} were used."
        text = cut
    return Question(text=text, language=detect_language(text), notice=notice)
