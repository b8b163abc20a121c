"""Citation markers: parse [n], map them to passages, and check that each
answer sentence is supported by the passages it cites."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.arabic import normalize, split_sentences
from index.lexical import analyze

from .retrieve import Hit

_DIGITS = "0-9\u0660-\u0669\u06f0-\u06f9"
_BIDI = "\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069"
# [1], [1, 2], [١]، ‎[2]‏, [1][2], (and the full-width ［1］)
MARKER = re.compile(
    rf"[{_BIDI}]*[\[［]\s*([{_DIGITS}]+(?:\s*[,،]\s*[{_DIGITS}]+)*)\s*[\]］][{_BIDI}]*"
)


_MARKER_AFTER_END = re.compile(rf"\s*([.!?؟…]+)((?:\s*{MARKER.pattern})+)")


@dataclass(frozen=True)
class Citation:
    n: int  # the number shown to the user
    chunk_id: str
    title: str
    source: str
    start: int
    end: int
    text: str
    inferred: bool = False  # attached by the checker, not written by the model


@dataclass(frozen=True)
class SentenceCheck:
    text: str
    cited: tuple[int, ...]  # passage numbers this sentence cites (after checking)
    supported: bool
    support: float  # best overlap with a cited passage, 0..1


def _to_int(digits: str) -> int:
    """'١٢' -> 12"""
    table = {chr(0x0660 + i): str(i) for i in range(10)} | {chr(0x06F0 + i): str(i) for i in range(10)}
    return int("".join(table.get(ch, ch) for ch in digits))


def parse_markers(text: str) -> list[tuple[int, int, list[int]]]:
    """(start, end, numbers) of every citation marker.

    >>> [m[2] for m in parse_markers('زار بكين [1] ثم عاد ‎[٢]‏ وأيضا [1, 3]')]
    [[1], [2], [1, 3]]
    """
    return [
        (m.start(), m.end(), [_to_int(d) for d in re.split(r"\s*[,،]\s*", m.group(1).strip())])
        for m in MARKER.finditer(text)
    ]


def strip_markers(text: str) -> str:
    """Answer text without markers.

    >>> strip_markers('زار بكين [1]. وعاد [2, 3].')
    'زار بكين. وعاد.'
    """
    out = MARKER.sub("", text)
    return re.sub(r"\s+([.،,؛؟?!])", r"\1", out).strip()


_NUMBER = re.compile(r"\d+")


def support_score(sentence: str, passage: str, question: str = "") -> float:
    """Share of the sentence's content stems that occur in the passage; 0 when
    the sentence states a number the passage does not contain.

    Words the sentence merely repeats from the question are not evidence of
    anything, so only the sentence's *new* words are checked; a sentence with
    none only restates the question and supports nothing.

    >>> support_score('غاب بوتين عن قمة بريكس', 'لم يحضر بوتين قمة بريكس في جنوب أفريقيا')
    0.8
    >>> support_score('غاب بوتين عن قمة بريكس في 2019', 'لم يحضر بوتين قمة بريكس في 2023')
    0.0
    >>> support_score('غاب بوتين عن قمة بريكس بسبب التوتر السياسي', 'لم يحضر بوتين قمة بريكس', 'لماذا غاب بوتين عن قمة بريكس')
    0.0
    >>> support_score('غاب بوتين عن قمة بريكس', 'غاب بوتين عن قمة بريكس في جوهانسبرغ', 'لماذا غاب بوتين عن قمة بريكس')
    0.0
    """
    terms = set(analyze(sentence, "stem+skeleton"))
    if not terms:
        return 0.0
    p_terms = set(analyze(passage, "stem+skeleton"))
    if any(n not in p_terms for n in _NUMBER.findall(normalize(sentence))):
        return 0.0  # an invented date or count is the commonest hallucination
    if question:
        terms -= set(analyze(question, "stem+skeleton"))
        if not terms:
            return 0.0
    return len(terms & p_terms) / len(terms)


def attach_markers(text: str) -> str:
    """Move markers written after a sentence's final punctuation to before it,
    so they stay with the sentence they cite.

    >>> attach_markers('غاب عن القمة. [1] وزار الصين. [2]')
    'غاب عن القمة [1]. وزار الصين [2].'
    """
    return _MARKER_AFTER_END.sub(lambda m: f" {m.group(2).strip()}{m.group(1)}", text)


def citation_for(n: int, hit: Hit, inferred: bool = False) -> Citation:
    c = hit.chunk
    return Citation(n=n, chunk_id=c.id, title=c.title, source=c.source, start=c.start, end=c.end, text=c.text,
                    inferred=inferred)


def check_answer(
    answer: str, hits: list[Hit], threshold: float = 0.3, question: str = ""
) -> tuple[str, list[Citation], list[SentenceCheck], int]:
    """Clean the markers of a generated answer and check each sentence.

    Returns (answer text with only valid markers, citations in order of first
    use, per-sentence checks, number of dropped markers).  A sentence with no
    valid marker gets the passage that supports it best when that reaches the
    threshold (its citation is marked ``inferred``); otherwise it is unsupported.
    """
    dropped = 0

    def keep_valid(m: re.Match) -> str:
        nonlocal dropped
        nums = [_to_int(d) for d in re.split(r"\s*[,،]\s*", m.group(1).strip())]
        valid = [n for n in dict.fromkeys(nums) if 1 <= n <= len(hits)]
        dropped += len(nums) - len(valid)
        return " " + "".join(f"[{n}]" for n in valid) if valid else ""

    # Base models often start by repeating the prompt's answer cue.
    answer = re.sub(r"^\s*(الجواب|الإجابة|الاجابة|Answer)\s*[:：]\s*", "", answer, flags=re.IGNORECASE)
    text = MARKER.sub(keep_valid, attach_markers(answer))
    text = re.sub(r"[ \t]+", " ", text).strip()
    text = re.sub(r" +([.،,؛؟?!])", r"\1", text)

    checks: list[SentenceCheck] = []
    used: dict[int, Citation] = {}
    pieces: list[str] = []
    for s, e in split_sentences(text):
        sent = text[s:e]
        plain = strip_markers(sent)
        if not plain or not any(ch.isalpha() for ch in plain):
            continue  # list numbering, stray punctuation
        nums = list(dict.fromkeys(n for _, _, ns in parse_markers(sent) for n in ns))
        inferred = not nums
        candidates = nums or list(range(1, len(hits) + 1))
        scores = {n: support_score(plain, hits[n - 1].chunk.text, question) for n in candidates}
        best = max(scores, key=scores.get, default=None)
        best_score = scores.get(best, 0.0) if best else 0.0
        # A question, or the prompt's "السؤال:" line echoed back, answers nothing.
        echo = plain.rstrip(" .").endswith(("؟", "?")) or plain.lstrip().startswith(("السؤال", "Question:"))
        supported = best_score >= threshold and not echo
        cited = tuple(nums) if nums else ((best,) if supported else ())
        for n in cited:
            used.setdefault(n, citation_for(n, hits[n - 1], inferred=inferred))
        if inferred and cited:
            sent = f"{sent} [{cited[0]}]"
        pieces.append(sent)
        checks.append(SentenceCheck(text=plain, cited=cited, supported=supported, support=round(best_score, 3)))
    return "\n".join(pieces) if "\n" in text else " ".join(pieces), list(used.values()), checks, dropped
