"""Citation markers: parse [n], map them to passages, and check that each
answer sentence is supported by the passages it cites."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.arabic import normalize, split_sentences, tokenize
from index.lexical import DEFAULT_ANALYZER, analyze, is_stopword

from .retrieve import Hit
from .roles import mentions
from .synonyms import implied, is_person, named, person_group

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
    >>> support_score('غاب بوتين عن قمة بريكس بسبب التوتر السياسي', 'لم يحضر بوتين قمة بريكس', 'لماذا غاب بوتين عن قمة بريكس')
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


_NEGATORS = frozenset(normalize(w) for w in (
    "لم لن لا ليس ليست ليسوا غير عدم not never no didn't doesn't don't won't isn't wasn't cannot".split()))


def _core(word: str) -> str:
    """A verb's letters without a leading conjunction, its imperfect prefix and
    long vowels, so «يحضر», «وحضر» and «حضر» compare equal.

    >>> _core('يحضر') == _core('وحضر') == _core('حضر')
    True
    """
    from index.arabic import light_stem, skeleton

    w = light_stem(normalize(word))
    if len(w) >= 4 and w[0] in "وف":
        w = w[1:]
    if len(w) >= 4 and w[0] in "يتنا":
        w = w[1:]
    return skeleton(w).lower()


def _negated_words(text: str) -> tuple[list[str], list[bool]]:
    """The words, and which of them are negators (with a conjunction: «ولم»)."""
    words = re.findall(r"[\w']+", normalize(text).lower())
    return words, [w in _NEGATORS or (w[:1] in "وف" and w[1:] in _NEGATORS) for w in words]


def _polarity(text: str) -> tuple[set[str], set[str]]:
    words, negator = _negated_words(text)
    neg, pos = set(), set()
    for i, w in enumerate(words):
        if negator[i]:
            continue
        core = _core(w)
        if len(core) >= 3:
            (neg if i and negator[i - 1] else pos).add(core)
    return neg, pos


def _polar_pairs(text: str) -> set[tuple[str, str, str, bool]]:
    """(word, the next two content words, negated) for every word: a verb with
    what follows it (its subject or object)."""
    words, negator = _negated_words(text)
    cores = [None if negator[i] else _core(w) for i, w in enumerate(words)]
    content = [bool(c) and len(c) >= 3 and not is_stopword(words[i]) for i, c in enumerate(cores)]
    out = set()
    for i, core in enumerate(cores):
        if not content[i]:
            continue
        nxt = [cores[j] for j in range(i + 1, len(words)) if content[j]][:2]
        if len(nxt) == 2:
            out.add((core, nxt[0], nxt[1], bool(i and negator[i - 1])))
    return out


def opposite(a: str, b: str) -> bool:
    """Do two sentences state the same thing with opposite polarity: the same
    word followed by the same two content words, negated in one only?  Stricter than
    ``contradicts`` (which any negated word trips): two articles are said to
    disagree only on this.

    >>> opposite('لم يحضر بوتين قمة بريكس.', 'حضر بوتين قمة بريكس في جوهانسبرغ.')
    True
    >>> opposite('وهي ليست دولة موقعة على نظام روما.', 'قيرغيزستان دولة موقعة على نظام روما.')
    True
    >>> opposite('وهي ليست دولة موقعة على نظام روما.', 'لم تصدق الدولة على نظام روما.')
    False
    >>> opposite('لم يحضر بوتين قمة بريكس.', 'حضر الرئيس قمة العشرين.')
    False
    >>> opposite('لم يستطع حضور قمة بريكس.', 'أبلغ أنه لن يحضر قمة مجموعة العشرين.')
    False
    """
    pa, pb = _polar_pairs(a), _polar_pairs(b)
    return any((w, n1, n2, not neg) in pb for w, n1, n2, neg in pa)


def contradicts(sentence: str, evidence: str) -> bool:
    """Does the sentence assert what the evidence denies, or deny what it
    asserts (the same verb, negated on one side only)?

    >>> contradicts('حضر بوتين قمة بريكس.', 'ولم يحضر بوتين قمة بريكس في جنوب أفريقيا.')
    True
    >>> contradicts('غاب بوتين عن قمة بريكس.', 'لم يحضر بوتين قمة بريكس.')
    False
    >>> contradicts('لم يحضر بوتين القمة.', 'لم يحضر بوتين قمة بريكس.')
    False
    >>> s = 'وهي ليست دولة موقعة على نظام روما الذي يلزم الدول بالتعاون.'
    >>> contradicts(s, s)
    False
    """
    s_neg, s_pos = _polarity(sentence)
    e_neg, e_pos = _polarity(evidence)
    # a word a text states both ways («ليست دولة موقعة… يُلزم الدول») has no polarity there:
    # counted, a sentence contradicted itself, and a verbatim article sentence was "unsupported"
    s_neg, s_pos, e_neg, e_pos = s_neg - s_pos, s_pos - s_neg, e_neg - e_pos, e_pos - e_neg
    return bool(s_pos & e_neg or s_neg & e_pos)


_TITLE = 4  # words before a person's name that say who they are: «رئيس قرغيزستان هو [إلهام] علييف»


def _titles(text: str, analyzer: str) -> dict[int, list[frozenset[int]]]:
    """Per person named in ``text`` (a GROUPS number): at each mention, the
    states, places and institutions named in the words just before the name,
    except those the person's own title names («الرئيس الروسي»: Russia)."""
    words = tokenize(text)
    out: dict[int, list[frozenset[int]]] = {}
    for p, at, _ in mentions(text, analyzer):
        person = person_group(p)
        before = named(analyze(" ".join(words[max(0, at - _TITLE): at]), analyzer), analyzer)
        out.setdefault(person, []).append(frozenset(
            g for g in before if not is_person(g) and not implied(person, g, analyzer)))
    return out


def binds(sentence: str, evidence: str, analyzer: str = DEFAULT_ANALYZER) -> bool:
    """Does the evidence give each person of the answer sentence the title the
    sentence gives them (the state or institution named just before the name)?

    Why: a generated «رئيس قرغيزستان، إلهام علييف» took its new words (the
    name) from «سيجري الرئيس الروسي في قرغيزستان محادثات … مع نظيره الأذربيجاني
    إلهام علييف» and was shown as checked (a browser review): every word is in
    that sentence, but Kyrgyzstan is where Putin talks, not Aliyev's title.

    >>> ev = 'سيجري الرئيس الروسي في قرغيزستان محادثات ثنائية مع نظيره الأذربيجاني إلهام علييف، في أول لقاء.'
    >>> binds('رئيس قرغيزستان، إلهام علييف', ev), binds('سيلتقي بوتين علييف في قرغيزستان', ev)
    (False, True)
    >>> binds('زار الرئيس الروسي بوتين قرغيزستان', 'وصل الرئيس الروسي فلاديمير بوتين إلى قيرغيزستان أمس.')
    True
    """
    wanted = {p: frozenset().union(*titles) for p, titles in _titles(sentence, analyzer).items()}
    wanted = {p: t for p, t in wanted.items() if t}
    if not wanted:
        return True
    found = _titles(evidence, analyzer)
    return all(any(t <= got for got in found.get(p, [])) for p, t in wanted.items())


def check_sentence(
    sentence: str, hits: list[Hit], threshold: float = 0.3, question: str = "",
    allowed: dict[int, list[str]] | None = None, analyzer: str = DEFAULT_ANALYZER,
) -> tuple[str, list[Citation], SentenceCheck]:
    """Check one answer sentence against the passages.

    Returns (the sentence with valid markers, its citations, the check).  With
    ``allowed`` (passage number -> the passage sentences that may answer), a
    sentence is supported only by one of those sentences, not by the passage
    as a whole: a title or a neighbouring fact copied from a passage is then
    not support.  A sentence with no valid marker gets the passage that
    supports it best when that reaches the threshold (marked ``inferred``).

    >>> from index.chunk import Chunk
    >>> hit = Hit(Chunk('c', 'a', 'T', 'a.txt', 0, 9, 'لم يحضر بوتين قمة بريكس في جنوب أفريقيا.'), 1.0)
    >>> text, cites, check = check_sentence('غاب بوتين عن قمة بريكس [1].', [hit])
    >>> text, [c.n for c in cites], check.supported, check.evidence
    ('غاب بوتين عن قمة بريكس [1].', [1], True, 'لم يحضر بوتين قمة بريكس في جنوب أفريقيا.')
    """
    text, _ = _clean_markers(sentence, len(hits))
    plain = strip_markers(text)
    if not plain or not any(ch.isalpha() for ch in plain):
        return "", [], SentenceCheck(text=plain, cited=(), supported=False, support=0.0)
    nums = list(dict.fromkeys(n for _, _, ns in parse_markers(text) for n in ns))
    inferred = not nums
    pool = nums or (sorted(allowed) if allowed is not None else list(range(1, len(hits) + 1)))
    best, best_score, best_ev = None, 0.0, ""
    q_terms = frozenset(analyze(question, analyzer)) if question else frozenset()
    for n in pool:
        if allowed is not None:
            units = allowed.get(n, [])
        else:
            p = hits[n - 1].chunk.text
            units = [p[a:b] for a, b in split_sentences(p)]
            units = units + [p] if len(units) != 1 else units  # or draw on two sentences of it
        for unit in units:
            if contradicts(plain, unit) or not binds(plain, unit, analyzer):
                continue  # a passage that says the opposite, or names the people with others, is no support
            sc = support_score(plain, unit, q_terms, analyzer)
            if sc > best_score:
                best, best_score, best_ev = n, sc, unit
    # A question, or the prompt's "السؤال:" line echoed back, answers nothing.
    echo = plain.rstrip(" .").endswith(("؟", "?")) or plain.lstrip().startswith(("السؤال", "Question:"))
    supported = best is not None and best_score >= threshold and not echo
    cited = tuple(nums) if nums else ((best,) if supported else ())
    cites = [citation_for(n, hits[n - 1], inferred=inferred) for n in cited]
    if inferred and cited:
        text = re.sub(r"([.!?؟…]*)$", lambda m: f" [{cited[0]}]{m.group(1)}", text, count=1)
    ev = best_ev if supported else ""
    return text, cites, SentenceCheck(text=plain, cited=cited, supported=supported, support=round(best_score, 3),
                                      evidence=ev)


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
    answer: str, hits: list[Hit], threshold: float = 0.3, question: str = "", analyzer: str = DEFAULT_ANALYZER,
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
        shown, cites, check = check_sentence(text[s:e], hits, threshold, question, analyzer=analyzer)
        if not shown:
            continue  # list numbering, stray punctuation
        for c in cites:
            used.setdefault(c.n, c)
        pieces.append(shown)
        checks.append(check)
    return "\n".join(pieces) if "\n" in text else " ".join(pieces), list(used.values()), checks, dropped
