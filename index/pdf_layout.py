"""Glyph boxes of PDF pages -> paragraphs in reading order.

A PDF has no lines, columns or paragraphs, only glyphs with positions.
Rebuilding the text from geometry (not from the content stream's order):

1. glyphs on one baseline form a row; a row splits into segments at gaps
   wider than any space between words (a column gutter);
2. the page's segments are cut recursively at the widest empty band, across
   or down the page (XY-cut), so a two-column page reads one column to its
   end before the next, right column first on an Arabic page;
3. each line is turned from drawn order into typed order (index/rtl.py).

What is done over the whole document (brackets, running headers, paragraphs,
the title) is in index/pdf_pages.py.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass

from .rtl import is_rtl, logical_line

SPACE_GAP = 0.15  # x gap between glyphs, in font sizes, that is a space (a DejaVu space is 0.25)
GUTTER_GAP = 0.6  # x gap that may be a column gutter (CSS column-gap 'normal' is 1.0)
ROW_TOLERANCE = 0.45  # baselines of one row differ by less, in font sizes (harakat sit up to 0.3 off)
GUTTER_ROWS = 3  # lines on each side of a column gutter, at least
MAX_CUT_SEGMENTS = 600  # more on a page (a dense table): rows top to bottom; keeps the XY-cut's recursion < 1000
_CID = re.compile(r"\(cid:\d+\)")


@dataclass(frozen=True)
class Glyph:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    seq: int = -1  # position in the page's content stream, when known

    @property
    def mid(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(frozen=True)
class Line:
    text: str  # logical order, normal letters
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    unmirrored: str = ""  # the text with brackets taken as typed, not as drawn (see rtl.visual_to_logical)


def _is_mark(text: str) -> bool:
    return all(unicodedata.combining(c) or "\ufe70" <= c <= "\ufe7f" for c in text)


def _stream_base(mark: Glyph, by_seq: dict[int, Glyph]) -> Glyph | None:
    """The letter a mark was written with.  HarfBuzz-shaped PDFs (Chromium,
    with DejaVu and three Noto fonts) write an Arabic mark just before its
    letter in the stream (the cluster reversed into drawn order), a Latin one
    just after; a zero-width mark's position alone points at the wrong letter."""
    nxt, prev = by_seq.get(mark.seq + 1), by_seq.get(mark.seq - 1)
    for g in (nxt if nxt and is_rtl(_shown(nxt)) else None, prev if prev and not is_rtl(_shown(prev)) else None):
        if g is not None and g.x0 - mark.size <= mark.x0 <= g.x1 + mark.size and abs(g.mid - mark.mid) < mark.size:
            return g
    return None


def _shown(g: Glyph) -> str:
    return g.text.strip() or " "


def _base_of(mark: Glyph, row: list[Glyph]) -> Glyph:
    """Without the stream's help: the letter the mark's box overlaps most, or
    for a zero-width mark the first letter starting right of it."""
    if mark.x1 - mark.x0 < 0.05 * mark.size:
        right = [g for g in row if g.x0 >= mark.x0 - 0.05 * mark.size and g.x0 - mark.x0 < 0.5 * mark.size]
        if right:
            return min(right, key=lambda g: g.x0)
    return max(row, key=lambda g: min(g.x1, mark.x1) - max(g.x0, mark.x0))


_LAM_ALEF = re.compile("^[\ufef5-\ufefc]")
_ALEFS = "\u0627\u0623\u0625\u0622"


def _with_mark(base: Glyph, mark: Glyph) -> str:
    """The base glyph's text with the mark after the letter it sits on.  On a
    lam-alef ligature («ﻻ», one glyph for two letters) a mark over its left
    half is the lam's, one over its right half or beyond its left edge (where
    DejaVu Sans puts the tanwin of «شمالاً») the alef's: «طويلًا» had come out
    «طويلاً», «الخِلَافَة» «الخِلاَفَة» (Chromium's PDFs of the dev articles).

    >>> _with_mark(Glyph('ﻼ', 10, 18, 0, 10, 10), Glyph('َ', 12, 12, 0, 2, 10))
    'لَا'
    >>> _with_mark(Glyph('ﻷ', 10, 18, 0, 10, 10), Glyph('َ', 16, 16, 0, 2, 10))
    'لأَ'
    >>> _with_mark(Glyph('ﻻ', 10, 18, 0, 10, 10), Glyph('ً', 8, 8, 0, 2, 10))
    'لاً'
    >>> _with_mark(Glyph('لْأ', 10, 18, 0, 10, 10), Glyph('َ', 16, 16, 0, 2, 10))  # a second mark
    'لْأَ'
    """
    text = _LAM_ALEF.sub(lambda m: unicodedata.normalize("NFKC", m.group()), base.text)
    letters = [k for k, ch in enumerate(text) if not unicodedata.combining(ch)]
    if len(letters) == 2 and text[0] == "\u0644" and text[letters[1]] in _ALEFS \
            and base.x0 <= mark.x0 < (base.x0 + base.x1) / 2:
        return text[:letters[1]] + mark.text + text[letters[1]:]
    return text + mark.text


def _rows(glyphs: list[Glyph]) -> list[list[Glyph]]:
    """Glyphs grouped by baseline; combining marks (harakat, drawn as their
    own glyphs above or below the line) join the letter they belong to."""
    bases = sorted((g for g in glyphs if not _is_mark(g.text)), key=lambda g: g.mid)
    rows: list[tuple[Glyph, list[Glyph]]] = []  # (seed, members)
    for g in bases:
        for seed, members in reversed(rows[-6:]):  # two columns interleave their rows
            if abs(g.mid - seed.mid) < ROW_TOLERANCE * max(g.size, seed.size):
                members.append(g)
                break
        else:
            rows.append((g, [g]))
    marks = [g for g in glyphs if _is_mark(g.text)]
    if marks and bases:
        where = {id(g): (r, i) for r, (_, members) in enumerate(rows) for i, g in enumerate(members)}
        by_seq = {g.seq: g for g in bases if g.seq >= 0}
        spans = [(seed.mid, min(g.x0 for g in m), max(g.x1 for g in m)) for seed, m in rows]
        for m in marks:
            base = _stream_base(m, by_seq) if m.seq >= 0 else None
            if base is not None:
                r, i = where[id(base)]
            else:  # the nearest row whose letters reach over the mark
                r = min(range(len(rows)), key=lambda i: abs(spans[i][0] - m.mid)
                        + (0 if spans[i][1] <= m.x1 and m.x0 <= spans[i][2] else 1e6))
                i = rows[r][1].index(_base_of(m, rows[r][1]))
            old = rows[r][1][i]
            rows[r][1][i] = Glyph(_with_mark(old, m), old.x0, old.x1, old.top, old.bottom, old.size, old.seq)
    return [sorted(members, key=lambda g: g.x0) for _, members in rows]


@dataclass(frozen=True)
class _Seg:
    row: int
    glyphs: tuple[Glyph, ...]

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (min(g.x0 for g in self.glyphs), max(g.x1 for g in self.glyphs),
                min(g.top for g in self.glyphs), max(g.bottom for g in self.glyphs))


def _segments(rows: list[list[Glyph]]) -> list[_Seg]:
    segs = []
    for r, row in enumerate(rows):
        start = 0
        for i in range(1, len(row) + 1):
            if i == len(row) or row[i].x0 - row[i - 1].x1 > GUTTER_GAP * max(row[i].size, row[i - 1].size):
                segs.append(_Seg(r, tuple(row[start:i])))
                start = i
    return segs


def _widest_gap(spans: list[tuple[float, float]]) -> tuple[float, float]:
    """(width, position) of the widest empty stretch between the spans."""
    best, reach, at = 0.0, None, 0.0
    for a, b in sorted(spans):
        if reach is not None and a - reach > best:
            best, at = a - reach, (a + reach) / 2
        reach = b if reach is None else max(reach, b)
    return best, at


def _xycut(segs: list[_Seg], rtl: bool, min_gutter: float) -> list[_Seg]:
    """Segments in reading order: cut at the widest empty band, recursively."""
    if len(segs) <= 1:
        return segs
    boxes = [s.box for s in segs]
    vgap, vat = _widest_gap([(b[0], b[1]) for b in boxes])
    hgap, hat = _widest_gap([(b[2], b[3]) for b in boxes])
    left = [s for s, b in zip(segs, boxes) if b[1] <= vat]
    right = [s for s, b in zip(segs, boxes) if b[1] > vat]
    # A gutter runs down several lines on both sides; in a few lines of justified
    # text, wide spaces can line up (a 3-column English page read "The two-day
    # culminates in visit to Bishkek" without this).
    gutter = min(len({s.row for s in left}), len({s.row for s in right})) >= GUTTER_ROWS
    if vgap >= min_gutter and vgap >= hgap and gutter:
        first, second = (right, left) if rtl else (left, right)
    elif hgap > 0:
        first = [s for s, b in zip(segs, boxes) if b[3] <= hat]
        second = [s for s, b in zip(segs, boxes) if b[3] > hat]
    else:  # overlapping boxes: top to bottom
        return sorted(segs, key=lambda s: (s.box[2], -s.box[1] if rtl else s.box[0]))
    return _xycut(first, rtl, min_gutter) + _xycut(second, rtl, min_gutter)


def _visual(glyphs: list[Glyph]) -> str:
    out, prev = [], None
    for g in sorted(glyphs, key=lambda g: g.x0):
        if prev is not None and g.x0 - prev.x1 > SPACE_GAP * max(g.size, prev.size):
            out.append(" ")
        # A glyph's own text is in typed order (a mark after its letter; «لا»
        # for a lam-alef ligature in Noto Kufi): drawn order for an Arabic one,
        # so that reversing the line puts it back.
        out.append(g.text[::-1] if is_rtl(g.text) else g.text)
        prev = g
    return "".join(out)


def page_lines(glyphs: list[Glyph], page: int) -> list[Line]:
    """One page's lines in reading order."""
    glyphs = [Glyph(_CID.sub("", g.text), g.x0, g.x1, g.top, g.bottom, g.size, g.seq) for g in glyphs]
    # A zero-width Latin letter is a mis-mapped mark (LibreOffice 7.4 maps the damma
    # of «أُجريت» to 'f'); zero-width Arabic letters are real (Noto Naskh draws
    # the alef of «لا» so).
    glyphs = [g for g in glyphs if g.text.strip() and g.x1 >= g.x0 and g.size > 0
              and (g.x1 - g.x0 > 0.01 * g.size or _is_mark(g.text) or is_rtl(g.text))]
    if not glyphs:
        return []
    rtl = is_rtl("".join(g.text for g in glyphs))
    rows = _rows(glyphs)
    segs = _segments(rows)
    size = statistics.median(g.size for g in glyphs)
    ordered = _xycut(segs, rtl, 0.5 * size) if len(segs) <= MAX_CUT_SEGMENTS else segs
    lines: list[Line] = []
    i = 0
    while i < len(ordered):  # neighbouring segments of one row make one line
        j = i + 1
        while j < len(ordered) and ordered[j].row == ordered[i].row:
            j += 1
        gl = [g for s in ordered[i:j] for g in s.glyphs]
        drawn = _visual(gl)
        text = " ".join(logical_line(drawn, rtl).split())
        if text:
            lines.append(Line(text, page, min(g.x0 for g in gl), max(g.x1 for g in gl),  # median: a raised mark
                              statistics.median(g.top for g in gl), statistics.median(g.bottom for g in gl),
                              statistics.median(g.size for g in gl), " ".join(logical_line(drawn, rtl, False).split())))
        i = j
    return lines
