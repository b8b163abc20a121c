"""PDF and Word (.docx) articles -> (title, body), like ``load._html_text``.

Both are untrusted binary formats: a PDF stream or a DOCX part can inflate a
few MB into many GB, and a damaged file can send a parser into a long loop.
So each file is read in a child process with a memory cap and a time budget
(index/reader.py starts it, index/child.py runs in it);
whatever goes wrong there becomes a skip reason, never a crash or a hung build.
The child costs about 0.2 s of start-up per file, then 0.1-0.4 s per PDF page
(pdfminer's parsing is 90 % of it; measured on Chromium's Arabic PDFs on this
shared 2-core machine), so what comes out is kept on disk by the file's digest:
a rebuild reads an unchanged PDF in milliseconds, not seconds.  The cache's
version, ``FORMAT``, is defined in index/doc_format.py (reader.py keys
remembered failures by it too).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from . import reader
from .doc_format import FORMAT
from .problems import LoadProblem, Skip

MAX_PAGES = 500  # 50-200 s of reading; a longer PDF is refused, not cut short
MAX_UNPACKED = 256 * 1024**2  # all parts of a .docx, uncompressed
_CACHE: OrderedDict[str, "Document"] = OrderedDict()  # kind + file digest -> Document
_CACHE_SIZE = 64
_LOCK = threading.Lock()  # the chat reads files from several threads
_OLE = b"\xd0\xcf\x11\xe0"  # a password-protected .docx (or an old .doc) is an OLE file, not a zip


class _Refused(Exception):
    def __init__(self, code: Skip, detail: str = ""):
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class Document:
    title: str
    body: str  # one paragraph a line
    image_pages: tuple[int, ...] = ()  # pages (from 1) that are only images, in a PDF with text elsewhere
    damaged_pages: tuple[int, ...] = ()  # pages that could not be read, in a PDF whose other pages could


def read_document(path: Path, digest: str | None = None, budget: float | None = None) -> Document:
    """A .pdf or .docx file's text; raises LoadProblem."""
    path = Path(path)
    return _isolated("pdf" if path.suffix.lower() == ".pdf" else "docx", path, digest, budget)


def pdf_text(path: Path) -> tuple[str, str]:
    """Title and body of a PDF, lines in reading order; raises LoadProblem."""
    doc = _isolated("pdf", Path(path))
    return doc.title, doc.body


def docx_text(path: Path) -> tuple[str, str]:
    """Title and body of a Word document (body text and tables; not the page
    headers and footers); raises LoadProblem."""
    doc = _isolated("docx", Path(path))
    return doc.title, doc.body


def page_ranges(pages: tuple[int, ...] | list[int]) -> str:
    """Page numbers, compactly.

    >>> page_ranges([2, 3, 4, 7, 9, 10])
    '2-4, 7, 9-10'
    """
    runs: list[list[int]] = []
    for n in sorted(pages):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _isolated(kind: str, path: Path, digest: str | None = None, budget: float | None = None) -> Document:
    digest = f"{kind}-{digest or hashlib.sha256(path.read_bytes()).hexdigest()}-v{FORMAT}"
    with _LOCK:
        if digest in _CACHE:  # the chat's "surrounding text" and rebuilds read the same file again
            _CACHE.move_to_end(digest)
            return _CACHE[digest]
    saved = _cache_dir() / f"{digest}.json"
    try:
        return _remember(digest, _document(json.loads(saved.read_text(encoding="utf-8"))))
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not cached yet, or a damaged entry: read the file
    # the limited child (index/reader.py), within the file's budget; looked up at each call: a test may replace it
    out = reader.read_in_child(kind, path, "", budget)
    if "skip" in out:
        if out.get("transient"):
            raise OSError(out.get("detail", ""))
        problem = LoadProblem(Skip(out["skip"]), out.get("detail", ""))
        problem.took = float(out.get("took", 0))  # index/load.py remembers a failure that cost something
        raise problem
    out.pop("took", None)
    try:
        saved.parent.mkdir(parents=True, exist_ok=True)
        tmp = saved.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, saved)  # whole or not at all, even with two builds at once
    except OSError:
        pass  # a read-only or full disk: the file is read again next time
    return _remember(digest, _document(out))


def _document(out: dict) -> Document:
    return Document(str(out["title"]), str(out["body"]), tuple(out["image_pages"]), tuple(out["damaged_pages"]))


def _cache_dir() -> Path:
    """Texts read from PDF/DOCX files, by digest (``RAG_HOME`` overrides, as for models)."""
    base = os.environ.get("RAG_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "arabic-rag")
    return Path(base) / "documents"


def _remember(digest: str, doc: Document) -> Document:
    with _LOCK:
        _CACHE[digest] = doc
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return doc


def parse_document(kind: str, path: Path, rel: str = "", memory_mb: int = 2048) -> dict:
    """In the child (index/child.py, which sets the memory cap): a PDF or
    DOCX file's text as a JSON-ready dict, or {"skip": code, "detail": ...}."""
    too_big = {"skip": str(Skip.TOO_COMPLEX), "detail": f"needed more than {memory_mb} MiB", "restart": True}
    try:
        doc = (_read_pdf if kind == "pdf" else _read_docx)(path)
        return {"title": doc.title, "body": doc.body, "image_pages": list(doc.image_pages),
                "damaged_pages": list(doc.damaged_pages)}
    except _Refused as e:
        return {"skip": str(e.code), "detail": e.detail}
    except MemoryError:
        return too_big
    except RecursionError:
        return {"skip": str(Skip.TOO_COMPLEX), "detail": "nested too deeply"}
    except OSError:
        raise
    except Exception as e:  # noqa: BLE001 - any parser failure is a damaged file
        if "allocate" in str(e):  # zlib's "Unable to allocate output buffer": a stream that inflates past the cap
            return too_big
        return {"skip": str(Skip.DAMAGED), "detail": f"{type(e).__name__}: {e}"[:200]}


def _read_pdf(path: Path) -> Document:
    import statistics

    import pdfplumber
    from pdfplumber.utils.exceptions import PdfminerException
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    from . import pdf_marks
    from .pdf_layout import page_lines
    from .pdf_pages import drop_running, paragraphs, settle_brackets, title_of

    pdf_marks.install()  # a shadda and its vowel drawn as one glyph come back as the two marks

    try:
        pdf = pdfplumber.open(path)
    except PdfminerException as e:
        cause = e.args[0] if e.args else e
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise _Refused(Skip.ENCRYPTED, "PDF") from None
        raise _Refused(Skip.DAMAGED, f"{type(cause).__name__}: {cause}"[:200]) from None
    with pdf:
        if len(pdf.pages) > MAX_PAGES:
            raise _Refused(Skip.TOO_MANY_PAGES, f"{len(pdf.pages)} > {MAX_PAGES}")
        pages, image_pages, damaged, sizes = [], [], [], []
        for n, page in enumerate(pdf.pages):
            try:
                glyphs = [_glyph(c, i) for i, c in enumerate(page.chars) if c.get("upright", True)]
                has_images = bool(page.images)
            except MemoryError:
                raise
            except Exception as e:  # noqa: BLE001 - one damaged page costs that page, not the file
                if "allocate" in str(e):  # zlib: a stream that inflates past the memory cap
                    raise MemoryError from None
                damaged.append(n + 1)
                pages.append([])
                continue
            sizes += [g.size for g in glyphs if g.text.strip()]
            pages.append(page_lines(glyphs, n))
            if not pages[-1] and has_images:
                image_pages.append(n + 1)
            page.flush_cache()  # pdfplumber keeps every page's objects otherwise
        meta_title = str(pdf.metadata.get("Title") or "")
    if not any(pages):
        if damaged and not image_pages:
            raise _Refused(Skip.DAMAGED, f"no page could be read ({len(damaged)} of {len(pages)})")
        raise _Refused(Skip.NO_TEXT_LAYER if image_pages else Skip.NO_TEXT)
    lines = [ln for page in drop_running(settle_brackets(pages)) for ln in page]
    title = title_of(lines, statistics.median(sizes)) or _meta_title(meta_title)
    return Document(title, "\n".join(paragraphs(lines)), tuple(image_pages), tuple(damaged))


def _glyph(c: dict, seq: int):
    """A glyph boxed around its baseline.  pdfminer's own boxes come from the
    font's metrics, which Chromium's embedded subsets lack: Noto Sans Arabic
    letters came out 0.7 sizes below the Latin letters of the same line."""
    from .pdf_layout import Glyph

    base = c["top"] + (c["y1"] - c["matrix"][5])  # the baseline, measured from the page's top
    return Glyph(c["text"], c["x0"], c["x1"], base - 0.8 * c["size"], base + 0.2 * c["size"], c["size"], seq)


def _meta_title(title: str) -> str:
    """A document title from the PDF's metadata, unless it is a file name or a
    producer's placeholder.

    >>> _meta_title('Microsoft Word - report.docx'), _meta_title('Untitled'), _meta_title('قمة بريكس')
    ('', '', 'قمة بريكس')
    """
    t = " ".join(title.split())
    if not t or t.lower() in ("untitled", "document", "title") or t.startswith("Microsoft Word") or "." in t[-6:]:
        return ""
    return t


def _read_docx(path: Path) -> Document:
    with path.open("rb") as fh:
        if fh.read(4) == _OLE:
            raise _Refused(Skip.ENCRYPTED, "Word file (or an old .doc file)")
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except zipfile.BadZipFile as e:
        raise _Refused(Skip.DAMAGED, str(e)) from None
    if not any(i.filename == "word/document.xml" for i in infos):
        raise _Refused(Skip.DAMAGED, "no word/document.xml: not a Word document")
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_UNPACKED:
        raise _Refused(Skip.TOO_COMPLEX, f"{unpacked // 1024**2} MiB unpacked > {MAX_UNPACKED // 1024**2} MiB")

    import docx
    from docx.table import Table

    doc = docx.Document(str(path))
    title, lines = "", []
    for block in doc.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = list(dict.fromkeys(" ".join(c.text.split()) for c in row.cells))  # merged cells repeat
                if any(cells):
                    lines.append(" | ".join(c for c in cells if c))
            continue
        text = block.text.strip()
        style = (block.style.name if block.style is not None else "") or ""
        if text and not title and not lines and (style == "Title" or style.startswith("Heading 1")):
            title = " ".join(text.split())  # the document starts with its headline
        lines.extend(t for t in text.splitlines() if t.strip())
    return Document(title or _meta_title(doc.core_properties.title or ""), "\n".join(lines))
