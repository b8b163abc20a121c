"""PDF and DOCX round trip of the dev articles: what the reader gets back is what was written.

Every dev article (eval/dev_articles.py) goes into one right-to-left HTML page,
one article a printed page, which real producers turn into documents: Chromium
(headless --print-to-pdf), LibreOffice (HTML -> PDF and HTML -> DOCX, where
installed) and python-docx (right-to-left paragraphs, as Word writes them).
index/documents.py reads each back; the text between one article's title and
the next is compared with the article's paragraphs.

Compared after whitespace normalisation, NFC, and without format characters
(RLM, ZWNJ: never drawn, so no PDF holds them): the character agreement
(characters in matching blocks / the longer text) and the digit sequences,
which must be the same numbers in the same order.

    python -m eval.roundtrip [--out DIR]    # prints the table of eval/README.md
"""

from __future__ import annotations

import argparse
import difflib
import html
import re
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .dev_articles import DevArticle, dev_articles

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Agreement:
    title: str
    chars: int  # of the source, normalised
    matched: int  # characters in matching blocks
    longer: int  # the longer of source and extracted text
    digits_same: bool
    found: bool  # the title was found in the extracted text

    @property
    def ratio(self) -> float:
        return self.matched / self.longer if self.longer else 1.0


def normalise(text: str) -> str:
    """NFC, no format characters, single spaces.

    >>> normalise('Erdoğan)\u200f  (ولد\\n في')
    'Erdoğan) (ولد في'
    """
    text = "".join(ch for ch in unicodedata.normalize("NFC", text) if unicodedata.category(ch) != "Cf")
    return " ".join(text.split())


def digits(text: str) -> list[str]:
    """The digit sequences, in order (Arabic-Indic digits as they are).

    >>> digits('ابن خلدون (1332 - 1406م)، (784-808هـ)')
    ['1332', '1406', '784', '808']
    """
    return _DIGITS.findall(text)


def page_html(articles: list[DevArticle]) -> str:
    """All articles on one right-to-left page, each from a new printed page."""
    body = "".join(f"<article><h1>{html.escape(a.title)}</h1>"
                   + "".join(f"<p>{html.escape(p)}</p>" for p in a.paragraphs) + "</article>" for a in articles)
    return ('<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>'
            f'{html.escape(articles[0].title)}</title><style>body{{font-size:12pt}} '
            'article{break-before:page}</style></head><body>' + body + "</body></html>")


def chromium_pdf(page: Path, out: Path) -> Path:
    profile = out.parent / f"chromium-{out.stem}"
    r = subprocess.run([CHROMIUM, *CHROMIUM_ARGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
                        f"--print-to-pdf={out}", page.as_uri()], capture_output=True, text=True, timeout=300)
    shutil.rmtree(profile, ignore_errors=True)
    if not out.exists():
        raise RuntimeError(f"chromium printed nothing: {r.stderr[-500:]}")
    return out


def libreoffice(page: Path, outdir: Path, to: str) -> Path:
    """``to``: 'pdf' or 'docx'."""
    soffice = shutil.which("soffice")
    if not soffice:
        raise FileNotFoundError("soffice")
    target = {"pdf": "pdf:writer_web_pdf_Export", "docx": 'docx:MS Word 2007 XML'}[to]
    r = subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation={(outdir / 'lo').as_uri()}",
                        "--convert-to", target, "--outdir", str(outdir), str(page)],
                       capture_output=True, text=True, timeout=600)
    out = outdir / f"{page.stem}.{to}"
    if not out.exists():
        raise RuntimeError(f"LibreOffice wrote no {to}: {r.stdout[-300:]} {r.stderr[-300:]}")
    return out


def python_docx(articles: list[DevArticle], out: Path) -> Path:
    import docx
    from docx.oxml import OxmlElement

    doc = docx.Document()
    for a in articles:
        doc.add_heading(a.title, level=1)
        for text in a.paragraphs:
            para = doc.add_paragraph(text)
            para._p.get_or_add_pPr().append(OxmlElement("w:bidi"))
            for run in para.runs:
                run._r.get_or_add_rPr().append(OxmlElement("w:rtl"))
    doc.save(str(out))
    return out


def compare(articles: list[DevArticle], body: str) -> list[Agreement]:
    """Each article's text in ``body`` (one paragraph a line, the titles on their own lines) against its source."""
    lines = [normalise(ln) for ln in body.split("\n")]
    starts: list[int | None] = []
    at = 0
    for a in articles:
        try:
            at = lines.index(normalise(a.title), at) + 1
            starts.append(at)
        except ValueError:
            starts.append(None)
    out = []
    for k, a in enumerate(articles):
        src = normalise(" ".join(a.paragraphs))
        if starts[k] is None:
            out.append(Agreement(a.title, len(src), 0, len(src), False, False))
            continue
        end = next((s - 1 for s in starts[k + 1:] if s is not None), len(lines))
        got = normalise(" ".join(lines[starts[k]:end]))
        sm = difflib.SequenceMatcher(None, src, got, autojunk=False)
        matched = sum(b.size for b in sm.get_matching_blocks())
        out.append(Agreement(a.title, len(src), matched, max(len(src), len(got)), digits(src) == digits(got), True))
    return out


def differences(source: str, got: str, context: int = 12) -> list[tuple[str, str]]:
    """(source, extracted) snippets around each difference, for a report."""
    a, b = normalise(source), normalise(got)
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [(a[max(0, i1 - context):i2 + context], b[max(0, j1 - context):j2 + context])
            for tag, i1, i2, j1, j2 in sm.get_opcodes() if tag != "equal"]


def documents(out: Path, articles: list[DevArticle]) -> dict[str, Path]:
    """The documents each installed producer makes of the articles."""
    page = out / "dev-articles.html"
    page.write_text(page_html(articles), encoding="utf-8")
    docs = {"python-docx DOCX": python_docx(articles, out / "python-docx.docx")}
    if Path(CHROMIUM).exists():
        docs["Chromium PDF"] = chromium_pdf(page, out / "chromium.pdf")
    if shutil.which("soffice"):
        lo = out / "libreoffice"
        lo.mkdir(exist_ok=True)
        docs["LibreOffice PDF"] = libreoffice(page, lo, "pdf")
        docs["LibreOffice DOCX"] = libreoffice(page, lo, "docx")
    return docs


def summary(results: list[Agreement]) -> tuple[float, float, int]:
    """(overall agreement, lowest article's, articles whose digits differ)."""
    overall = sum(r.matched for r in results) / max(1, sum(r.longer for r in results))
    return overall, min(r.ratio for r in results), sum(not r.digits_same for r in results)


def main() -> None:
    from index.documents import read_document

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=None, help="keep the documents here")
    ap.add_argument("--show", type=int, default=0, help="print up to N differences per format")
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="roundtrip-"))
    out.mkdir(parents=True, exist_ok=True)
    arts = dev_articles()
    print("| format | articles found | character agreement (all) | lowest article | articles with other digits |")
    print("|---|---|---|---|---|")
    for name, path in documents(out, arts).items():
        doc = read_document(path)
        results = compare(arts, doc.body)
        overall, low, bad = summary(results)
        print(f"| {name} | {sum(r.found for r in results)}/{len(arts)} | {overall:.2%} | {low:.2%} | {bad} |")
        shown = 0
        for a, r in zip(arts, results):
            if r.ratio < 1 and shown < args.show:
                print(f"    {a.title}: {r.ratio:.4f}")
                shown += 1


if __name__ == "__main__":
    main()
