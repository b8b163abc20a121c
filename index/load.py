"""Read articles from a corpus folder: .txt, .md, .html/.htm, .jsonl, .pdf and .docx.

Each bad file is reported with a reason and skipped; the rest loads.  The
reasons (``Skip``, ``LoadProblem``, ``SUPPORTED``) are defined in
index/problems.py and imported here, so ``from index.load import Skip`` works.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from . import reader
from .clean import clean_lines, clean_title, title_from
from .documents import page_ranges, read_document
from .errors import CorpusError
from .problems import _ENGLISH, _REMEMBERED, SUPPORTED, LoadProblem, Skip
from .reader import TimedOut, cached_text, digest_of, keep_text, limits, remember_failure, remembered

DOCUMENTS = (".pdf", ".docx")  # binary formats, read by index/documents.py
MAX_FILE_BYTES = 20 * 1024 * 1024
REMEMBER_AFTER_S = 1.0  # a read that took longer is remembered, failed or not (index/reader.py)


@dataclass(frozen=True)
class Article:
    id: str  # stable: relative path, plus '#key' for a JSONL record
    title: str
    text: str  # cleaned text, title as first line; chunk offsets point into it
    source: str  # relative path of the file
    url: str = ""
    date: str = ""

    @property
    def content_hash(self) -> str:
        h = hashlib.sha256()
        for part in (self.title, self.text, self.url, self.date):
            h.update(part.encode("utf-8"))
            h.update(b"\0")
        return h.hexdigest()[:16]


@dataclass(frozen=True)
class Skipped:
    source: str
    code: Skip
    detail: str = ""
    remembered: bool = False  # failed before with this content: not read this time

    @property
    def reason(self) -> str:
        """In English, for the CLI and logs.

        >>> Skipped('a.bin', Skip.BINARY).reason
        'binary file (contains NUL bytes)'
        >>> Skipped('a.pdf', Skip.TOO_COMPLEX, 'took over 22 s', True).reason
        'too complex to read safely (took over 22 s); it failed before and is not read again until it changes'
        """
        return _ENGLISH[self.code].format(detail=self.detail) + (_REMEMBERED if self.remembered else "")


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), or UTF-16 with its BOM (Windows editors).

    >>> _decode('\ufeffمرحبا'.encode('utf-16-le')), _decode('\ufeffمرحبا'.encode('utf-8'))
    ('مرحبا', 'مرحبا')
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            pass  # not UTF-16 after all: reported as invalid UTF-8 below
    if not data.strip():
        raise LoadProblem(Skip.EMPTY)
    if b"\0" in data[:8192]:
        raise LoadProblem(Skip.BINARY)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise LoadProblem(Skip.NOT_UTF8, f"byte 0x{data[e.start]:02x} at offset {e.start}") from None


def _html_text(raw: str) -> tuple[str, str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "footer", "aside", "form", "iframe", "svg"]):
        tag.decompose()
    title = ""
    h1 = soup.find("h1")
    if h1 and h1.get_text(strip=True):
        title = h1.get_text(" ", strip=True)
    elif soup.title and soup.title.get_text(strip=True):
        title = soup.title.get_text(" ", strip=True)
    if soup.head:
        soup.head.decompose()
    body = soup.get_text("\n")
    return title, body


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKUP = re.compile(r"^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+|\d+\.\s+)|[*_`]{1,3}")


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_TITLE = re.compile(r"^title[ \t]*:[ \t]*(.*?)[ \t]*$", re.MULTILINE | re.IGNORECASE)


def _front_matter(raw: str) -> tuple[str, str]:
    """(the ``title:`` of a YAML front matter block, the text after the block).

    >>> _front_matter('---\\ntitle: "نجيب محفوظ"\\ndate: 2024-01-01\\n---\\nنص.')
    ('نجيب محفوظ', 'نص.')
    >>> _front_matter('# عنوان\\nنص.')
    ('', '# عنوان\\nنص.')
    """
    m = _FRONT_MATTER.match(raw)
    if not m:
        return "", raw
    t = _FRONT_TITLE.search(m.group(1))
    title = t.group(1) if t else ""
    if len(title) >= 2 and title[0] == title[-1] and title[0] in "'\"":
        title = title[1:-1]
    return title.strip(), raw[m.end():]


def _markdown_text(raw: str) -> tuple[str, str]:
    """The title is the front matter's ``title:``, else the first ``# `` heading."""
    title, raw = _front_matter(raw.replace("\r\n", "\n"))
    for line in raw.splitlines():
        if title:
            break
        if line.startswith("# "):
            title = line[2:].strip()
    lines = []
    for line in raw.splitlines():
        if line.strip().startswith("!["):
            continue  # images carry no text
        line = _MD_LINK.sub(r"\1", line)
        lines.append(_MD_MARKUP.sub("", line))
    return title, "\n".join(lines)


def _make_article(art_id: str, source: str, title: str, body: str, url: str = "", date: str = "") -> Article:
    lines = clean_lines(body)
    title = clean_title(title)
    if title:
        lines = [ln for ln in lines if ln != title]
        lines.insert(0, title)
    if not lines or sum(len(ln.split()) for ln in lines) < 3:
        raise LoadProblem(Skip.NO_TEXT)
    return Article(
        id=art_id, title=title or title_from(lines), text="\n".join(lines), source=source, url=url, date=date
    )


def _kind(ext: str) -> str:
    return {".htm": "html", ".markdown": "md"}.get(ext, ext[1:])


def load_file(path: Path, rel: str) -> tuple[list[Article], list[Skipped]]:
    """Articles in one file, plus per-record problems (for JSONL).  The file
    is parsed in the limited child process (index/reader.py) within its time
    budget; a file that failed before with the same content raises its
    remembered LoadProblem without being read."""
    ext = path.suffix.lower()
    if ext not in SUPPORTED:
        raise LoadProblem(Skip.UNSUPPORTED, ext or path.name)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise LoadProblem(Skip.TOO_LARGE, f"{size // 1_048_576} MiB > {MAX_FILE_BYTES // 1_048_576} MiB")
    if size == 0:
        raise LoadProblem(Skip.EMPTY)
    kind, digest = _kind(ext), digest_of(path)
    budget = limits().budget(size)
    earlier = remembered(kind, digest, budget)
    if earlier is not None:
        raise earlier
    try:
        if ext in DOCUMENTS:
            doc = read_document(path, digest, budget)
            lost = [Skipped(f"{rel}:pages {page_ranges(pages)}", code, detail) for pages, code, detail in
                    ((doc.image_pages, Skip.NO_TEXT_LAYER, ""), (doc.damaged_pages, Skip.DAMAGED, "unreadable pages"))
                    if pages]
            return [_make_article(rel, rel, doc.title, doc.body)], lost
        out = cached_text(kind, digest, rel)
        if out is None:
            out = reader.read_in_child(kind, path, rel, budget)  # looked up at each call: a test may replace it
            if "skip" not in out and out.get("took", 0) >= REMEMBER_AFTER_S:
                keep_text(kind, digest, rel, out)
        if "skip" in out:
            problem = LoadProblem(Skip(out["skip"]), out.get("detail", ""))
            problem.took = float(out.get("took", 0))
            if out.get("transient"):
                raise OSError(problem.detail)
            raise problem
        return ([Article(**a) for a in out["articles"]],
                [Skipped(b["source"], Skip(b["code"]), b["detail"]) for b in out["skipped"]])
    except LoadProblem as e:
        # remembered when reading cost something: out of time or memory, or a second or more of parsing
        # (an empty or binary file is found out in milliseconds, and is said the same way every time)
        if e.code == Skip.TOO_COMPLEX or getattr(e, "took", 0) >= REMEMBER_AFTER_S:
            remember_failure(kind, digest, e, budget, isinstance(e, TimedOut))
        raise


def check_upload(path: Path, rel: str) -> tuple[list[Article], list[Skipped]]:
    """An uploaded file read as a rebuild will read it (the child, the same
    time budget): its articles, or LoadProblem with the reason, so that the
    upload is refused at once instead of stalling the next rebuild.  What it
    read is kept (PDF/DOCX texts by digest), and so is a failure."""
    return load_file(Path(path), rel)


def parse_text(kind: str, path: Path, rel: str, memory_mb: int = 0) -> dict:
    """In the child (index/child.py): a text file's articles and per-line
    problems, as JSON-ready dicts; raises LoadProblem."""
    import dataclasses

    raw = _decode(path.read_bytes())
    if kind == "jsonl":
        arts, bad = _load_jsonl(raw, rel)
    else:
        title, body = _html_text(raw) if kind == "html" else _markdown_text(raw) if kind == "md" else ("", raw)
        arts, bad = [_make_article(rel, rel, title, body)], []
    return {"articles": [dataclasses.asdict(a) for a in arts],
            "skipped": [{"source": b.source, "code": str(b.code), "detail": b.detail} for b in bad]}


def _load_jsonl(raw: str, rel: str) -> tuple[list[Article], list[Skipped]]:
    arts: list[Article] = []
    bad: list[Skipped] = []
    seen: set[str] = set()
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{rel}:{n}"
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise LoadProblem(Skip.NOT_OBJECT)
            text = obj.get("text")
            if not isinstance(text, str) or not text.strip():
                raise LoadProblem(Skip.NO_TEXT_FIELD)
            key = str(obj.get("id") or n)
            if key in seen:
                raise LoadProblem(Skip.DUPLICATE_ID, key)
            seen.add(key)
            arts.append(
                _make_article(
                    f"{rel}#{key}",
                    rel,
                    str(obj.get("title") or ""),
                    text,
                    url=str(obj.get("url") or ""),
                    date=str(obj.get("date") or ""),
                )
            )
        except json.JSONDecodeError as e:
            bad.append(Skipped(where, Skip.BAD_JSON, e.msg))
        except LoadProblem as e:
            bad.append(Skipped(where, e.code, e.detail))
        except RecursionError:
            bad.append(Skipped(where, Skip.TOO_DEEP))
        except Exception as e:  # noqa: BLE001 - one bad line never fails the build
            bad.append(Skipped(where, Skip.UNREADABLE, type(e).__name__))
    if not arts and not bad:
        bad.append(Skipped(rel, Skip.EMPTY))
    return arts, bad


def _hidden(path: Path, folder: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(folder).parts)  # .DS_Store, .git


def _files(folder: Path, root: Path, follow_links: bool, skipped: list[Skipped]) -> list[Path]:
    """The files below ``folder``, sorted.  A link to a folder outside it is
    reported in ``skipped`` (it was skipped silently) unless ``follow_links``,
    which lists its files too; a link to a folder inside adds nothing (its
    files are listed where they are)."""
    out = []
    for p in folder.rglob("*"):
        if _hidden(p, folder):
            continue
        if p.is_symlink() and p.is_dir():
            if p.resolve().is_relative_to(root):
                continue
            if not follow_links:
                skipped.append(Skipped(p.relative_to(folder).as_posix(), Skip.OUTSIDE_FOLDER_LINK))
                continue
            out.extend(q for q in p.rglob("*") if not q.is_dir() and not _hidden(q, folder))
        elif not p.is_dir():
            out.append(p)
    return sorted(out)


def load_corpus(folder: Path, follow_links: bool = False) -> tuple[list[Article], list[Skipped]]:
    """Load every article below ``folder`` (recursively, sorted by path).

    A link whose target lies outside the folder is skipped unless
    ``follow_links``: a link to /etc/passwd dropped in the corpus folder was
    indexed and served to every chat user."""
    folder = Path(folder)
    if folder.is_file():
        raise CorpusError(f"{folder} is a file; --corpus takes the folder that holds the articles.")
    if not folder.is_dir():
        raise CorpusError(f"Corpus folder {folder} does not exist; pass --corpus DIR or create it and add articles.")
    articles: list[Article] = []
    skipped: list[Skipped] = []
    root = folder.resolve()
    for path in _files(folder, root, follow_links, skipped):
        rel = path.relative_to(folder).as_posix()
        if not path.is_file():
            skipped.append(Skipped(rel, Skip.BROKEN_LINK if path.is_symlink() else Skip.NOT_REGULAR))
            continue
        if not follow_links and not path.resolve().is_relative_to(root):
            skipped.append(Skipped(rel, Skip.OUTSIDE_LINK))
            continue
        try:
            arts, bad = load_file(path, rel)
        except LoadProblem as e:
            skipped.append(Skipped(rel, e.code, e.detail, e.remembered))
            continue
        except OSError as e:
            skipped.append(Skipped(rel, Skip.UNREADABLE, e.strerror or type(e).__name__))
            continue
        except Exception as e:  # noqa: BLE001 - one bad file never fails the build
            skipped.append(Skipped(rel, Skip.UNREADABLE, type(e).__name__))
            continue
        articles.extend(arts)
        skipped.extend(bad)
    return articles, skipped
