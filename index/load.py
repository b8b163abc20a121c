"""Read articles from a corpus folder: .txt, .md, .html/.htm and .jsonl.

Each bad file is reported with a reason and skipped; the rest loads.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .clean import clean_lines, title_from
from .errors import CorpusError

SUPPORTED = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl")
MAX_FILE_BYTES = 20 * 1024 * 1024


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
    reason: str


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
        raise ValueError("empty file")
    if b"\0" in data[:8192]:
        raise ValueError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValueError(
            f"not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start}); re-save the file as UTF-8"
        ) from None


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


def _markdown_text(raw: str) -> tuple[str, str]:
    title = ""
    for line in raw.splitlines():
        if line.startswith("# "):
            title = line[2:].strip()
            break
    lines = []
    for line in raw.splitlines():
        if line.strip().startswith("!["):
            continue  # images carry no text
        line = _MD_LINK.sub(r"\1", line)
        lines.append(_MD_MARKUP.sub("", line))
    return title, "\n".join(lines)


def _make_article(art_id: str, source: str, title: str, body: str, url: str = "", date: str = "") -> Article:
    lines = clean_lines(body)
    if title:
        title = " ".join(title.split())
        lines = [ln for ln in lines if ln != title]
        lines.insert(0, title)
    if not lines or sum(len(ln.split()) for ln in lines) < 3:
        raise ValueError("no article text left after cleaning")
    return Article(
        id=art_id, title=title or title_from(lines), text="\n".join(lines), source=source, url=url, date=date
    )


def load_file(path: Path, rel: str) -> tuple[list[Article], list[Skipped]]:
    """Articles in one file, plus per-record problems (for JSONL)."""
    ext = path.suffix.lower()
    if ext not in SUPPORTED:
        raise ValueError(f"unsupported file type '{ext or path.name}' (use {', '.join(SUPPORTED)})")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValueError(f"file too large ({size // 1_048_576} MiB > {MAX_FILE_BYTES // 1_048_576} MiB)")
    raw = _decode(path.read_bytes())
    if ext == ".jsonl":
        return _load_jsonl(raw, rel)
    if ext in (".html", ".htm"):
        title, body = _html_text(raw)
    elif ext in (".md", ".markdown"):
        title, body = _markdown_text(raw)
    else:
        title, body = "", raw
    return [_make_article(rel, rel, title, body)], []


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
                raise ValueError("not a JSON object")
            text = obj.get("text")
            if not isinstance(text, str) or not text.strip():
                raise ValueError("missing or empty 'text'")
            key = str(obj.get("id") or n)
            if key in seen:
                raise ValueError(f"duplicate id '{key}'")
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
            bad.append(Skipped(where, f"invalid JSON: {e.msg}"))
        except ValueError as e:
            bad.append(Skipped(where, str(e)))
        except RecursionError:
            bad.append(Skipped(where, "JSON nested too deeply"))
        except Exception as e:  # noqa: BLE001 - one bad line never fails the build
            bad.append(Skipped(where, f"unreadable line ({type(e).__name__})"))
    if not arts and not bad:
        bad.append(Skipped(rel, "empty file"))
    return arts, bad


OUTSIDE_LINK = "a link to a file outside the corpus folder (skipped; pass --follow-links to index it)"


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
    for path in sorted(p for p in folder.rglob("*") if not p.is_dir()):
        rel = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue  # hidden files and folders (.DS_Store, .git)
        if not path.is_file():
            what = "a broken link" if path.is_symlink() else "not a regular file (a pipe, socket or device)"
            skipped.append(Skipped(rel, what))
            continue
        if not follow_links and not path.resolve().is_relative_to(root):
            skipped.append(Skipped(rel, OUTSIDE_LINK))
            continue
        try:
            arts, bad = load_file(path, rel)
        except (ValueError, OSError) as e:
            skipped.append(Skipped(rel, str(e)))
            continue
        except Exception as e:  # noqa: BLE001 - one bad file never fails the build
            skipped.append(Skipped(rel, f"unreadable file ({type(e).__name__})"))
            continue
        articles.extend(arts)
        skipped.extend(bad)
    return articles, skipped
