"""Arabic text as PDFs store it -> text in logical order with normal letters.

PDF producers place glyphs; they do not keep the typed order.  Chromium's
print-to-PDF (Skia) writes an Arabic line left to right as it is seen
(visual order), each glyph mapped to its *presentation form* (U+FB50-U+FDFF,
U+FE70-U+FEFF: ﺑ initial beh, ﻦ final noon, ﻻ lam-alef); mirrored brackets
are mapped to the glyph drawn, so a typed «(» comes out as «)».  These
helpers undo that for one line, by general rules (the Unicode bidi classes,
the letter forms' names), never by a fix tuned to one file.
"""

from __future__ import annotations

import re
import unicodedata

_PRESENTATION = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")
_MIRROR = str.maketrans("()[]{}<>«»‹›", ")(][}{><»«›‹")
_ARABIC_LETTER = re.compile("[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff\ufb50-\ufdff\ufe70-\ufefc]+")

# Common words for lines without presentation forms (the letter-form rule has
# nothing to go on there): a logical line has some of them, the same line
# reversed almost never does («في» reversed is «يف»).
COMMON_WORDS = frozenset(
    "في من على إلى الى أن إن عن مع التي الذي الذين هذا هذه ذلك تلك كان كانت قد لم لن لا ما هو هي هم "
    "أو ثم بعد قبل منذ حيث بين عند كما وقد وفي ومن وعلى وأن قال وقال أكثر خلال حتى غير كل بعض "
    "عام يوم اليوم الرئيس".split()
)


def _strong(ch: str) -> str:
    """'R' (Arabic, Hebrew), 'L' (Latin and other left-to-right), 'N' (digits, spaces, punctuation)."""
    b = unicodedata.bidirectional(ch)
    return "R" if b in ("R", "AL") else "L" if b == "L" else "N"


def is_rtl(line: str) -> bool:
    """True when most strong letters of the line are right-to-left.

    >>> is_rtl('زار الرئيس New York'), is_rtl('Visit of the president to بيشكيك')
    (True, False)
    """
    r = sum(_strong(ch) == "R" for ch in line)
    return r > 0 and r >= sum(_strong(ch) == "L" for ch in line)


def _runs(chars: list[str], starts, inside: str) -> list[tuple[int, int]]:
    """Runs that begin at a character ``starts`` accepts, go on while no strong
    character of the other direction comes, and end at their last character of
    direction ``inside`` (so spaces and punctuation *between* its words belong
    to a run, those at its ends do not)."""
    other = "R" if inside == "L" else "L"
    spans, i, n = [], 0, len(chars)
    while i < n:
        if starts(chars[i]):
            j = last = i
            while j + 1 < n and _strong(chars[j + 1]) != other:
                j += 1
                if (inside == "L" and unicodedata.bidirectional(chars[j]) in ("L", "EN", "AN")) or \
                        (inside == "R" and _strong(chars[j]) == "R"):
                    last = j
            spans.append((i, last + 1))
            i = last + 1
        else:
            i += 1
    return spans


def _ltr_spans(chars: list[str]) -> list[tuple[int, int]]:
    """Runs that read left to right inside a right-to-left line: Latin words and
    numbers, with the spaces and punctuation between them («New York», «3.5»,
    «2023/10/12»)."""
    return _runs(chars, lambda ch: unicodedata.bidirectional(ch) in ("L", "EN", "AN"), "L")


def _rtl_spans(chars: list[str]) -> list[tuple[int, int]]:
    """Runs that read right to left inside a left-to-right line: Arabic words
    with the spaces, numbers and punctuation between them."""
    return _runs(chars, lambda ch: _strong(ch) == "R", "R")


def visual_to_logical(visual: str, rtl: bool = True, mirror: bool = True) -> str:
    """A line stored left to right as seen -> the order it was typed.

    A right-to-left line is reversed, with Latin words and numbers put back
    left to right and (``mirror``) brackets and guillemets mirrored; in a
    left-to-right line only the Arabic runs are.  Whether a producer maps a
    bracket to the glyph drawn (Chromium) or to the character typed
    (LibreOffice) is its own habit: ``bracket_errors`` tells them apart.

    >>> visual_to_logical('(ﺔﻴﻤﺳر ةرﺎﻳز ﻲﻓ) 2023 ﺮﺑﻮﺘﻛأ 12 مﻮﻳ New York ﺔﻨﻳﺪﻣ')
    'ﻣﺪﻳﻨﺔ New York ﻳﻮم 12 أﻛﺘﻮﺑﺮ 2023 (ﻓﻲ زﻳﺎرة رﺳﻤﻴﺔ)'
    >>> visual_to_logical('.٢٠٢٣ ماع ﻲﻓ 12:30 ﺔﻋﺎﺴﻟا')  # Arabic-Indic digits and a time read left to right too
    'اﻟﺴﺎﻋﺔ 12:30 ﻓﻲ عام ٢٠٢٣.'
    >>> visual_to_logical('The word ﺔﻴﺑﺮﻌﻟا ﺔﻤﻠﻜﻟا is Arabic.', rtl=False)
    'The word اﻟﻜﻠﻤﺔ اﻟﻌﺮﺑﻴﺔ is Arabic.'
    """
    chars = list(visual)
    if not rtl:
        out, prev = [], 0
        for a, b in _rtl_spans(chars):
            out += ["".join(chars[prev:a]), visual_to_logical("".join(chars[a:b]), True, mirror)]
            prev = b
        return "".join(out) + "".join(chars[prev:])
    chars.reverse()
    table = _MIRROR if mirror else {}
    out, prev = [], 0
    for a, b in _ltr_spans(chars):
        out.append("".join(chars[prev:a]).translate(table))
        out.append(_ltr_run(chars[a:b], table))
        prev = b
    out.append("".join(chars[prev:]).translate(table))
    return "".join(out)


_OPEN, _CLOSE = "([{«", ")]}»"


def _outside_pairs(span: list[str]) -> list[int]:
    """Positions of the brackets in a reversed span whose partner is not in it.

    >>> _outside_pairs(list(')seires VT( senorhT')), _outside_pairs(list('nietsniE( )41'))
    ([], [8, 10])
    """
    stack: list[int] = []
    lone: list[int] = []
    for i, ch in enumerate(span):  # reversed: a pair inside reads «)…(»; one outside, drawn mirrored, «(…)»
        if ch in _CLOSE + _OPEN:
            kind = (_CLOSE + _OPEN).index(ch) % len(_CLOSE)
            if ch in _CLOSE:
                stack.append(i)
            elif stack and (_CLOSE + _OPEN).index(span[stack[-1]]) % len(_CLOSE) == kind:
                stack.pop()
            else:
                lone.append(i)
    return sorted(lone + stack)


def _ltr_run(span: list[str], table) -> str:
    """A reversed span of Latin words and numbers put back in typed order.

    A bracket whose partner lies outside the span encloses Arabic, so the bidi
    algorithm (rule N0) lays it out right to left: it parts the span.
    «(بالألمانية: Albert Einstein) (14 مارس…» had come out as
    «(بالألمانية: 14) (Albert Einstein مارس…».

    >>> _ltr_run(list('nietsniE treblA( )41'), _MIRROR), _ltr_run(list(')seires VT( senorhT fo emaG'), _MIRROR)
    ('Albert Einstein) (14', 'Game of Thrones (TV series)')
    >>> _ltr_run(list('nosidE( )1391-7481'), _MIRROR)
    'Edison) (1847-1931'
    """
    cuts = _outside_pairs(span)
    if cuts:
        out, prev, latin = [], 0, False
        for c in [*cuts, len(span)]:
            piece = span[prev:c]
            pos = 0
            for a, b in _ltr_spans(piece):
                # After a Latin word, digits take its direction (rule W7): «Edison) (1847-1931)» is one run.
                out += ["".join(piece[pos:a]).translate(table),
                        "".join(reversed(piece[a:b])) if latin else _ltr_run(piece[a:b], table)]
                latin = latin or any(_strong(ch) == "L" for ch in piece[a:b])
                pos = b
            out.append("".join(piece[pos:]).translate(table))
            if c < len(span):
                out.append(span[c].translate(table))
            prev = c + 1
        return "".join(out)
    if any(_strong(ch) == "L" for ch in span):
        return "".join(reversed(span))
    return _numbers(span, table)


def _numbers(span: list[str], table) -> str:
    """Numbers and what stands between them in a right-to-left line (already
    reversed): each number put back left to right, the rest left in place.

    After an Arabic letter the bidi algorithm makes digits Arabic numbers
    (rule W2), which only a single common separator (rule W4: «3.5», «12:30»,
    «2023/10/12») joins; a hyphen, plus or dash between them is laid out right
    to left, so Chromium draws «(784-808هـ)» and «1332 - 1406» as «808-784»
    and «1406 - 1332».  Taking the two numbers as one run had read them back
    reversed in 17 of the 77 dev articles printed by Chromium.

    >>> _numbers(list('487-808'), {}), _numbers(list('2331 - 6041'), {}), _numbers(list('5.3 و 03:21'), {})
    ('784-808', '1332 - 1406', '3.5 و 12:30')
    """
    out: list[str] = []
    i, n = 0, len(span)
    while i < n:
        if unicodedata.bidirectional(span[i]) in ("EN", "AN"):
            j = i
            while j + 1 < n and (unicodedata.bidirectional(span[j + 1]) in ("EN", "AN") or (
                    unicodedata.bidirectional(span[j + 1]) == "CS" and j + 2 < n
                    and unicodedata.bidirectional(span[j + 2]) in ("EN", "AN"))):
                j += 1
            out.append("".join(reversed(span[i:j + 1])))
            i = j + 1
        else:
            out.append(span[i].translate(table))
            i += 1
    return "".join(out)


_PAIRS = (("(", ")"), ("[", "]"), ("{", "}"), ("«", "»"))


def bracket_errors(text: str) -> int:
    """Closing brackets with nothing open, plus brackets left open.

    >>> bracket_errors('(في زيارة) «لا»'), bracket_errors(')في زيارة( »لا«')
    (0, 4)
    """
    errors = 0
    for opening, closing in _PAIRS:
        depth = 0
        for ch in text:
            if ch == opening:
                depth += 1
            elif ch == closing:
                errors += depth == 0
                depth = max(0, depth - 1)
        errors += depth
    return errors


def _form(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return "i" if name.endswith("INITIAL FORM") else "f" if name.endswith("FINAL FORM") else ""


def reversed_score(line: str) -> int:
    """Evidence that an Arabic line reads backwards: > 0 reversed, < 0 logical, 0 no evidence.

    With presentation forms, a word typed in order starts with an initial form
    and ends with a final one; a reversed word starts with a final form.
    Without them, the common words decide.

    >>> (reversed_score('ﻣﻨﺬ اﻟﺨﺎرج'), reversed_score('ﺬﻨﻣ جرﺎﺨﻟا'),
    ...  reversed_score('سافر إلى الصين'), reversed_score('نيصلا ىلإ رفاس'))
    (-2, 2, -1, 1)
    >>> reversed_score('يِه ةَدِحَّتُملا تاَياَلِولا'), reversed_score('الوِلَايَات المُتَّحِدَة هِي')
    (1, -1)
    """
    score = 0
    for word in _ARABIC_LETTER.findall(line):
        first, last = _form(word[0]), _form(word[-1])
        score += (first == "f") + (last == "i") - (first == "i") - (last == "f")
    if score:
        return score
    # Without the harakat, which \w does not match: «تاَياَلِولا» had given «لا», a common word.
    bare = "".join(ch for ch in unicodedata.normalize("NFKC", line) if not unicodedata.combining(ch))
    words = re.findall(r"\w+", bare)
    return sum(w[::-1] in COMMON_WORDS for w in words) - sum(w in COMMON_WORDS for w in words)


def plain_letters(text: str) -> str:
    """Presentation forms -> normal Arabic letters (NFKC on those characters
    only); a lam-alef ligature becomes two letters; an isolated haraka keeps
    no stray space.

    >>> plain_letters('ﻻ ﺗﺮاﺟﻊ'), plain_letters('ﺑﻮﺗﻴﻦ') == 'بوتين', plain_letters('نادرا\ufe70')
    ('لا تراجع', True, 'نادراً')
    """
    return _PRESENTATION.sub(lambda m: unicodedata.normalize("NFKC", m.group()).strip(), text)


_STOP_FIRST = re.compile(r"^\s*[.,،؛:!?؟]")


def _rtl_edges(visual: str) -> bool:
    """A line with no Arabic letter that is still laid out right to left: no
    letter at all («2011.», the end of a paragraph), or a full stop drawn at
    its left end («.(Corporation»: «…(New Open World Corporation).» wrapped).

    >>> _rtl_edges('.2011'), _rtl_edges('.(Corporation'), _rtl_edges('Putin visited 2 countries.')
    (True, True, False)
    """
    return not any(_strong(ch) == "L" for ch in visual) or bool(_STOP_FIRST.match(visual))


def logical_line(visual: str, rtl_page: bool = False, mirror: bool = True) -> str:
    """One line as a PDF stores it (left to right as drawn) -> logical text
    with normal letters.  Arabic runs are reversed, unless they read better as
    stored (a producer that stores typed order).  On an Arabic page a line
    with any Arabic in it is taken as right to left, even when it is mostly
    English (an English quote in an Arabic article is laid out right to left).

    >>> logical_line('.ﺎﻴﺳور ﻰﻟإ ﻦﻴﻴﻧاﺮﻛوأ لﺎﻔﻃﻷ'), logical_line('Putin visited 2 countries')
    ('لأطفال أوكرانيين إلى روسيا.', 'Putin visited 2 countries')
    >>> logical_line('.inside it ﺔﻴﺑﺮﻌﻟا ﺔﻤﻠﻜﻟا The sentence with', rtl_page=True)
    'The sentence with الكلمة العربية inside it.'
    """
    rtl = is_rtl(visual) or (rtl_page and (any(_strong(ch) == "R" for ch in visual) or _rtl_edges(visual)))
    flipped = visual_to_logical(visual, rtl, mirror)
    # Trust the geometry unless the words read better as stored.
    return plain_letters(visual if reversed_score(visual) < reversed_score(flipped) else flipped)
