"""Harakat drawn as one glyph, read back from the font.

HarfBuzz forms a shadda and its vowel into one glyph when the font has one
(DejaVu Sans: «مُحَمَّد», «قُدِّر»), and Chromium's PDF maps that glyph to
U+0000, so pdfminer reads a NUL and the shadda and the vowel were lost: 286
glyphs (572 marks) in the 77 dev articles printed by Chromium.  The embedded
font is a subset of one that is usually on the machine too (the PDF names it:
``BAAAAA+DejaVuSans``); its ligature table says which marks a ligature glyph
stands for, and the glyph's outline finds it in the subset.  Without that
font the NUL stays (and is dropped as before).
"""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata
from functools import lru_cache

_SUBSET = re.compile(r"^[A-Z]{6}\+")


def install() -> None:
    """Make pdfminer read a mark-ligature glyph as its marks (in the reading child)."""
    from pdfminer.pdffont import PDFCIDFont

    original = PDFCIDFont.to_unichr
    if getattr(original, "_marks", False):
        return

    def to_unichr(self, cid: int) -> str:
        text = original(self, cid)
        if text == "\x00":
            return _marks_of(self).get(cid, text)
        return text

    to_unichr._marks = True  # type: ignore[attr-defined]
    PDFCIDFont.to_unichr = to_unichr


def _marks_of(font) -> dict[int, str]:
    table = getattr(font, "_mark_ligatures", None)
    if table is None:
        try:
            table = _subset_marks(font)
        except Exception:  # noqa: BLE001 - an odd font costs its marks, never the file
            table = {}
        font._mark_ligatures = table
    return table


def _subset_marks(font) -> dict[int, str]:
    """cid -> marks, for the glyphs of the embedded subset whose outline is a
    mark ligature of the installed font of the same name."""
    fontfile = getattr(font, "fontfile", None)
    name = _SUBSET.sub("", str(getattr(font, "basefont", "") or ""))
    if fontfile is None or not name:
        return {}
    known = _ligatures(name)
    if not known:
        return {}
    from fontTools.ttLib import TTFont

    sub = TTFont(io.BytesIO(fontfile.get_data()), lazy=True)
    glyf = sub["glyf"]
    out = {}
    for gid, gname in enumerate(sub.getGlyphOrder()):  # Chromium's CIDToGIDMap is the identity
        key = _outline(glyf, gname)
        if key in known:
            out[gid] = known[key]
    return out


def _outline(glyf, name: str):
    try:
        coords, ends, _ = glyf[name].getCoordinates(glyf)
    except Exception:  # noqa: BLE001
        return None
    return (tuple(ends), tuple(coords)) if coords else None


@lru_cache(maxsize=8)
def _ligatures(postscript_name: str) -> dict:
    """outline -> the marks it stands for, from the installed font's ligature substitutions."""
    path = _font_file(postscript_name)
    if not path:
        return {}
    from fontTools.ttLib import TTFont

    font = TTFont(path, lazy=True)
    if "GSUB" not in font or "glyf" not in font:
        return {}
    chars = {g: chr(c) for c, g in font.getBestCmap().items()}
    glyf = font["glyf"]
    out = {}
    for lookup in font["GSUB"].table.LookupList.Lookup:
        for st in lookup.SubTable:
            st = getattr(st, "ExtSubTable", st)
            for first, ligs in (getattr(st, "ligatures", None) or {}).items():
                for lig in ligs:
                    text = "".join(chars.get(g, "") for g in (first, *lig.Component))
                    if len(text) == 1 + len(lig.Component) and all(unicodedata.combining(c) for c in text):
                        key = _outline(glyf, lig.LigGlyph)
                        if key is not None:
                            out.setdefault(key, text)
    return out


def _font_file(postscript_name: str) -> str:
    try:
        r = subprocess.run(["fc-list", f":postscriptname={postscript_name}", "file"], capture_output=True,
                           text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    files = [ln.strip().rstrip(":") for ln in r.stdout.splitlines() if ln.strip()]
    return files[0] if files else ""
