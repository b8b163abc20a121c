"""Citation markers: parse [n], map them to passages, and check that each
answer sentence is supported by the passages it cites."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.arabic import normalize, split_sentences
from index.lexical import DEFAULT_ANALYZER, analyze

from .retrieve import Hit
from .claims import contradicts, gives, names_beyond, titles_given
from .synonyms import named
from .query import Query
from .statements import is_instruction

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
    evidence: str = ""  # the passage sentence the check accepted as support
    # Where that evidence is: (passage number, start, end) in the passage's text, numbered as
    # the passages the sentence was checked against (what the UI highlights); () when nothing
    # supports it.  None when not known: a check not made here, an answer stored before spans were
    # recorded (rag/transcript.py).
    spans: tuple[tuple[int, int, int], ...] | None = None


def _to_int(digits: str) -> int:
    """'١٢' -> 12; a number no passage list reaches (thousands of digits
    crashed int()) -> 0, an invalid marker.

    >>> _to_int('١٢'), _to_int('9' * 5000)
    (12, 0)
    """
    if len(digits) > 6:
        return 0
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


def support_score(sentence: str, passage: str, question: str | frozenset[str] = "",
                  analyzer: str = DEFAULT_ANALYZER) -> float:
    """Share of the sentence's content stems that occur in the passage; 0 when
    the sentence states a number the passage does not contain.

    Words the sentence merely repeats from the question are not evidence of
    anything, so only the sentence's *new* words are checked; a sentence with
    none only restates the question and supports nothing.

    >>> support_score('غاب بوتين عن قمة بريكس', 'لم يحضر بوتين قمة بريكس في جنوب أفريقيا')
    0.8
    >>> support_score('غاب بوتين عن قمة بريكس في 2019', 'لم يحضر بوتين قمة بريكس في 2023')
    0.0
    >>> support_score('غاب بوتين عن قمة بريكس بسبب التوتر السياسي', 'لم يحضر بوتين قمة بريكس',
    ...               'لماذا غاب بوتين عن قمة بريكس')
    0.0
    >>> support_score('غاب بوتين عن قمة بريكس', 'غاب بوتين عن قمة بريكس في جوهانسبرغ', 'لماذا غاب بوتين عن قمة بريكس')
    0.0
    """
    terms = set(analyze(sentence, analyzer))
    if not terms:
        return 0.0
    p_terms = set(analyze(passage, analyzer))
    if any(n not in p_terms for n in _NUMBER.findall(normalize(sentence))):
        return 0.0  # an invented date or count is the commonest hallucination
    if question:  # its text, or its terms analysed once by the caller
        terms -= set(analyze(question, analyzer)) if isinstance(question, str) else question
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


_CUE = re.compile(r"^\s*(الجواب|الإجابة|الاجابة|Answer)\s*[:：]\s*", re.IGNORECASE)


def _clean_markers(answer: str, n_hits: int) -> tuple[str, int]:
    """Markers moved before the sentence's full stop, those pointing at no
    shown passage removed; (text, number removed)."""
    dropped = 0

    def keep_valid(m: re.Match) -> str:
        nonlocal dropped
        nums = [_to_int(d) for d in re.split(r"\s*[,،]\s*", m.group(1).strip())]
        valid = [n for n in dict.fromkeys(nums) if 1 <= n <= n_hits]
        dropped += len(nums) - len(valid)
        return " " + "".join(f"[{n}]" for n in valid) if valid else ""

    # Base models often start by repeating the prompt's answer cue.
    text = MARKER.sub(keep_valid, attach_markers(_CUE.sub("", answer)))
    text = re.sub(r"[ \t]+", " ", text).strip()
    return re.sub(r" +([.،,؛؟?!])", r"\1", text), dropped


def _units(n: int, hits: list[Hit], allowed: dict[int, list[tuple[int, int]]] | None) -> list[tuple[str, int, int]]:
    """The pieces of passage ``n`` that may support a sentence, with where they are:
    the allowed sentences (as the extractive ranker saw them, markers stripped),
    else every sentence and the passage as a whole (to draw on two of its sentences)."""
    p = hits[n - 1].chunk.text
    if allowed is not None:
        return [(strip_markers(p[a:b]), a, b) for a, b in allowed.get(n, [])]
    units = [(p[a:b], a, b) for a, b in split_sentences(p)]
    return units + [(p, 0, len(p))] if len(units) != 1 else units


def check_sentence(
    sentence: str, hits: list[Hit], threshold: float = 0.3, query: Query | None = None,
    allowed: dict[int, list[tuple[int, int]]] | None = None,
) -> tuple[str, list[Citation], SentenceCheck]:
    """Check one answer sentence against the passages.

    Returns (the sentence with valid markers, its citations, the check).  With
    ``allowed`` (passage number -> spans of the passage sentences that may
    answer), a sentence is supported only by one of those sentences, not by
    the passage as a whole: a title or a neighbouring fact copied from a
    passage is then not support.  A sentence with no valid marker gets the
    passage that supports it best when that reaches the threshold (marked
    ``inferred``).  Words it only repeats from ``query`` (analysed once, with
    the index's analyzer) are no evidence.

    >>> from index.chunk import Chunk
    >>> hit = Hit(Chunk('c', 'a', 'T', 'a.txt', 0, 9, 'لم يحضر بوتين قمة بريكس في جنوب أفريقيا.'), 1.0)
    >>> text, cites, check = check_sentence('غاب بوتين عن قمة بريكس [1].', [hit])
    >>> text, [c.n for c in cites], check.supported, check.evidence, check.spans
    ('غاب بوتين عن قمة بريكس [1].', [1], True, 'لم يحضر بوتين قمة بريكس في جنوب أفريقيا.', ((1, 0, 40),))
    """
    text, _ = _clean_markers(sentence, len(hits))
    plain = strip_markers(text)
    if not plain or not any(ch.isalpha() for ch in plain):
        return "", [], SentenceCheck(text=plain, cited=(), supported=False, support=0.0, spans=())
    nums = list(dict.fromkeys(n for _, _, ns in parse_markers(text) for n in ns))
    inferred = not nums
    pool = nums or (sorted(allowed) if allowed is not None else list(range(1, len(hits) + 1)))
    best, best_score, best_ev, best_span = None, 0.0, "", (0, 0)
    analyzer = query.analyzer if query else DEFAULT_ANALYZER
    q_terms = frozenset(query.own_tokens) if query else frozenset()
    titled = titles_given(plain, analyzer)  # once per sentence, not per passage sentence
    said = named(analyze(plain, analyzer), analyzer)
    for n in pool:
        for unit, a, b in _units(n, hits, allowed):
            if (contradicts(plain, unit) or not gives(titled, unit, analyzer) or is_instruction(unit)
                    or names_beyond(plain, unit, analyzer, said)):
                continue  # a passage that says the opposite, gives a person another title, gives orders,
                # or does not name a state, summit or person the sentence names, is no support
            sc = support_score(plain, unit, q_terms, analyzer)
            if sc > best_score:
                best, best_score, best_ev, best_span = n, sc, unit, (a, b)
    # A question, or the prompt's "السؤال:" line echoed back, answers nothing.
    echo = plain.rstrip(" .").endswith(("؟", "?")) or plain.lstrip().startswith(("السؤال", "Question:"))
    supported = best is not None and best_score >= threshold and not echo
    cited = tuple(nums) if nums else ((best,) if supported else ())
    cites = [citation_for(n, hits[n - 1], inferred=inferred) for n in cited]
    if inferred and cited:
        text = re.sub(r"([.!?؟…]*)$", lambda m: f" [{cited[0]}]{m.group(1)}", text, count=1)
    ev, spans = (best_ev, ((best, *best_span),)) if supported else ("", ())
    return text, cites, SentenceCheck(text=plain, cited=cited, supported=supported, support=round(best_score, 3),
                                      evidence=ev, spans=spans)


_DONE = re.compile(r"[.!?؟…](?=\s)|\n")


def split_streamed(buf: str) -> tuple[list[str], str]:
    """Complete sentences at the start of a stream buffer, and the rest.  A
    sentence's markers may follow its full stop, so a sentence is complete
    only once something other than a marker follows it.

    >>> split_streamed('غاب عن القمة. [1] وزار الصين')
    (['غاب عن القمة. [1]'], ' وزار الصين')
    >>> split_streamed('غاب عن القمة. [')
    ([], 'غاب عن القمة. [')
    """
    out: list[str] = []
    pos = 0
    while True:
        m = _DONE.search(buf, pos)
        if not m:
            break
        j = m.end()
        rest = buf[j:]
        markers = re.match(rf"(?:\s*{MARKER.pattern})+", rest)
        if markers:
            j += markers.end()
            rest = buf[j:]
        if not rest.strip() or re.match(r"\s*[\[［]", rest) and "]" not in rest and "］" not in rest:
            break  # wait: a marker may still come
        if buf[:j].strip():
            out.append(buf[:j])
        buf, pos = buf[j:], 0
    return out, buf


def check_answer(
    answer: str, hits: list[Hit], threshold: float = 0.3, query: Query | None = None,
) -> tuple[str, list[Citation], list[SentenceCheck], int]:
    """Clean the markers of a whole answer and check each sentence.

    Returns (answer text with only valid markers, citations in order of first
    use, per-sentence checks, number of dropped markers).
    """
    text, dropped = _clean_markers(answer, len(hits))
    checks: list[SentenceCheck] = []
    used: dict[int, Citation] = {}
    pieces: list[str] = []
    for s, e in split_sentences(text):
        shown, cites, check = check_sentence(text[s:e], hits, threshold, query)
        if not shown:
            continue  # list numbering, stray punctuation
        for c in cites:
            used.setdefault(c.n, c)
        pieces.append(shown)
        checks.append(check)
    return "\n".join(pieces) if "\n" in text else " ".join(pieces), list(used.values()), checks, dropped
