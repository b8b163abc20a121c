"""A PDF's lines (index/pdf_layout.py) -> the document's text: brackets as
the producer meant them, without running headers and footers, joined into
paragraphs, with a title.  Decided over the whole document, since a page alone
may not tell (one bracket, one page).
"""

from __future__ import annotations

import re
from dataclasses import replace

from .pdf_layout import Line
from .rtl import bracket_errors

PARAGRAPH_PITCH = 1.3  # baselines this much farther apart than a paragraph's lines: a new paragraph (measured: >= 1.47)
SHORT_LINE = 0.8  # a line narrower than this share of the page's widest (same size) may end a paragraph
_END = re.compile(r"[.!?؟…:»\"”]$")
_BROKEN = re.compile(r"\w[/-]$")


def settle_brackets(pages: list[list[Line]]) -> list[list[Line]]:
    """Brackets as the producer meant them, decided once for the document:
    the reading whose brackets pair up («(» before «)»); the drawn glyphs
    (Chromium's habit) when both pair up as well."""
    lines = [ln for page in pages for ln in page]
    if sum(bracket_errors(ln.unmirrored) for ln in lines) >= sum(bracket_errors(ln.text) for ln in lines):
        return pages
    return [[replace(ln, text=ln.unmirrored) for ln in page] for page in pages]


def _key(text: str) -> str:
    """A running header's identity: page numbers vary, the rest does not.

    >>> _key('صفحة 3 من 12') == _key('صفحة ٤ من 12')
    True
    """
    return re.sub(r"\d+", "#", " ".join(text.split()))


def drop_running(pages: list[list[Line]], edge: int = 2, share: float = 0.6) -> list[list[Line]]:
    """Without running headers, footers and page numbers: lines set apart
    from the text (farther from every other line than a paragraph's lines
    are), among the top or bottom ``edge`` lines of most pages (at least two),
    the same but for their numbers.  Set apart, because the first lines of
    pages can look alike too (numbered paragraphs: «فقرة رقم 11 ...»)."""
    if len(pages) < 2:
        return pages
    pitch = _line_pitches([ln for page in pages for ln in page])
    counts: dict[str, int] = {}
    edges = []
    for lines in pages:
        by_y = sorted(lines, key=lambda ln: ln.top)
        ends = {id(ln) for ln in by_y[:edge] + by_y[-edge:] if _apart(ln, lines, pitch)}
        edges.append(ends)
        for k in {_key(ln.text) for ln in lines if id(ln) in ends}:
            counts[k] = counts.get(k, 0) + 1
    running = {k for k, n in counts.items() if n >= max(2, share * len(pages))}
    return [[ln for ln in lines if id(ln) not in ends or _key(ln.text) not in running]
            for lines, ends in zip(pages, edges)]


def _apart(ln: Line, lines: list[Line], pitch: dict[float, float]) -> bool:
    near = PARAGRAPH_PITCH * pitch.get(_bucket(ln), 1.5 * ln.size)
    return all(abs(o.top - ln.top) > near or o is ln or _beside(o, ln) for o in lines)


def _beside(a: Line, b: Line) -> bool:
    """On the same baseline, side by side (a header's left and right parts)."""
    return abs(a.top - b.top) < 0.5 * max(a.size, b.size)


def _line_pitches(lines: list[Line]) -> dict[float, float]:
    """The distance between the baselines of two lines of one paragraph, per
    font size: the smallest distance seen twice.  It depends on the font:
    1.2 sizes in DejaVu Sans, 1.7 in Noto Naskh, 2.1 in Noto Sans Arabic; a
    paragraph break adds its margin (1 em in a browser)."""
    seen: dict[float, list[float]] = {}
    for prev, ln in zip(lines, lines[1:]):
        pitch = ln.top - prev.top
        if ln.page == prev.page and _bucket(ln) == _bucket(prev) and 0.9 * ln.size < pitch < 3 * ln.size:
            seen.setdefault(_bucket(ln), []).append(pitch)
    out = {}
    for size, pitches in seen.items():
        pitches.sort()
        twice = [a for a, b in zip(pitches, pitches[1:]) if b - a <= 0.5]
        out[size] = twice[0] if twice else pitches[0]
    return out


def _bucket(ln: Line) -> float:
    return round(ln.size * 2) / 2


def paragraphs(lines: list[Line]) -> list[str]:
    """Lines joined into paragraphs.  A new one starts at another font size, a
    line spacing well above the paragraph's own, or after a sentence that ends
    a short line (paragraphs set without space between them); a jump back up
    (next column or page) continues the paragraph unless its sentence ended."""
    pitch = _line_pitches(lines)
    widest: dict[tuple[int, float], float] = {}
    for ln in lines:
        key = (ln.page, _bucket(ln))
        widest[key] = max(widest.get(key, 0.0), ln.x1 - ln.x0)
    paras: list[list[str]] = []
    prev = None
    for ln in lines:
        if prev is None or abs(ln.size - prev.size) > 0.15 * max(ln.size, prev.size):
            new = True
        elif ln.page != prev.page or ln.top < prev.top:  # next page or next column
            new = bool(_END.search(prev.text))
        else:
            short = prev.x1 - prev.x0 < SHORT_LINE * widest[(prev.page, _bucket(prev))]
            new = (ln.top - prev.top > PARAGRAPH_PITCH * pitch.get(_bucket(ln), 1.2 * ln.size)
                   or short and bool(_END.search(prev.text)))
        if new:
            paras.append([ln.text])
        elif _BROKEN.search(paras[-1][-1]):  # browsers break «ديسمبر/كانون», URLs and «two-day» there
            paras[-1][-1] += ln.text
        else:
            paras[-1].append(ln.text)
        prev = ln
    return [" ".join(p) for p in paras]


def title_of(lines: list[Line], body_size: float) -> str:
    """The first run of lines set larger than the body text on the first page
    (the headline), or ''."""
    first = [ln for ln in lines if ln.page == lines[0].page] if lines else []
    if not first:
        return ""
    big = max(ln.size for ln in first)
    if big < 1.2 * body_size:
        return ""
    out: list[str] = []
    for ln in first:
        if abs(ln.size - big) <= 0.05 * big:
            out.append(ln.text)
        elif out:
            break
    title = " ".join(out)
    return title if len(title.split()) <= 40 else ""
