"""The Articles tab's logic: safe uploads into the corpus folder, index status,
and full article text for "show surrounding text".  No Gradio here."""

from __future__ import annotations

import os
import re
import shutil
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from index.errors import RagError
from index.load import SUPPORTED, Article, LoadProblem, Skip, check_upload, load_file
from index.removed import NotAnArticle, move_aside
from index.status import corpus_status
from rag.plural import count

from .i18n import skip_text, stale_text, t
from .render import esc

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_NAME_CHARS = 100
_TYPES = " ".join(f"\u2066{e}\u2069" for e in SUPPORTED)  # each isolated: «.txt» kept whole in Arabic text
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


class UploadError(RagError):
    """An uploaded file was refused: a message key of ui/i18n.py and its values,
    shown in the reader's language (``text``); ``str()`` is the Arabic."""

    def __init__(self, key: str, **kw):
        self.key, self.kw = key, kw
        super().__init__(self.text("ar"))

    def text(self, lang: str) -> str:
        kw = dict(self.kw)
        if isinstance(kw.get("reason"), tuple):  # skip codes, said in the reader's language
            kw["reason"] = ("؛ " if lang == "ar" else "; ").join(
                dict.fromkeys(skip_text(lang, c) for c in kw["reason"]))
        return t(lang, self.key, **kw)


def sanitize_filename(name: str) -> str:
    """A safe file name for the corpus folder: basename only, safe characters,
    a supported extension, no hidden files, bounded length.

    >>> sanitize_filename('../../evil.txt'), sanitize_filename('a<b>.HTML'), sanitize_filename('مقال جديد.md')
    ('evil.txt', 'a_b.html', 'مقال جديد.md')
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[/\\]", name)[-1]  # basename, for POSIX and Windows separators
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")  # control, format, NUL
    stem, dot, ext = name.rpartition(".")
    if not dot:
        raise UploadError("up_no_ext", name=name or "…", types=_TYPES)
    ext = "." + ext.lower().strip()
    if ext not in SUPPORTED:
        raise UploadError("up_bad_type", name=name, ext=ext, types=_TYPES)
    # letters and digits of any script (Arabic too) and their marks; everything else -> '_'
    stem = "".join(ch if ch.isalnum() or ch in "-_. " or unicodedata.category(ch).startswith("M") else "_"
                   for ch in stem)
    stem = re.sub(r"\s+", " ", stem)
    stem = re.sub(r"\.{2,}", ".", stem).strip(" ._-")  # no '..', no leading dot (hidden), no trailing dot
    if not stem:
        stem = "article"
    if stem.split(".")[0].lower() in _RESERVED:
        stem = "_" + stem
    stem = stem[: MAX_NAME_CHARS - len(ext)].rstrip(" .")
    return stem + ext


@dataclass(frozen=True)
class Saved:
    original: str
    path: Path | None  # None when refused
    name: str  # the sanitised name asked for
    articles: int = 1  # articles in the file (JSONL: several)
    replaced: str = ""  # where the previous version went (<corpus>/.removed/...), when one was replaced

    def text(self, lang: str = "ar") -> str:
        """What the uploader reads, in their language."""
        msg = (t(lang, "up_replaced", name=self.name, old=self.replaced) if self.replaced else
               t(lang, "up_saved", name=self.name) if self.path.name == self.name else
               t(lang, "up_saved_as", name=self.name, final=self.path.name))
        return msg + (t(lang, "up_articles", n=count(lang, self.articles, "article")) if self.articles > 1 else "")


def _same_file(src: Path, corpus: Path) -> Path | None:
    """An article already in the corpus with exactly these bytes."""
    size = src.stat().st_size
    data = None
    for f in corpus.rglob("*"):
        if f.name.startswith(".") or not f.is_file() or f.stat().st_size != size:
            continue
        data = data if data is not None else src.read_bytes()
        if f.read_bytes() == data:
            return f
    return None


def save_upload(src: Path, original_name: str, corpus: Path, max_bytes: int = MAX_UPLOAD_BYTES,
                replace: bool = False) -> Saved:
    """Copy one uploaded file into ``corpus`` under its sanitised name, after
    checking it is a readable article.  An article of that name already there
    is replaced only when ``replace`` says so (the old one moved aside into
    <corpus>/.removed/, index/removed.py); else the upload is refused with a
    message that says how to replace it (a changed «نجيب محفوظ.txt» was saved
    as «نجيب محفوظ-2.txt» and both versions were indexed and cited).  Raises
    UploadError when refused."""
    corpus = Path(corpus).resolve()
    corpus.mkdir(parents=True, exist_ok=True)
    name = sanitize_filename(original_name)
    src = Path(src)
    size = src.stat().st_size
    if size > max_bytes:
        raise UploadError("up_too_big", name=name, mb=size / 1048576, limit=max_bytes / 1048576)
    # Stage under a hidden name (load_corpus ignores hidden files), check it, then claim the final name.
    stage = corpus / f".upload-{os.getpid()}-{threading.get_ident()}{os.path.splitext(name)[1]}"
    try:
        shutil.copyfile(src, stage)
        try:
            arts, bad = check_upload(stage, name)  # as a rebuild reads it: a file that stalls is refused now
        except LoadProblem as e:
            raise UploadError("up_refused", name=name, reason=(e.code,)) from None
        except OSError:
            raise UploadError("up_refused", name=name, reason=(Skip.UNREADABLE,)) from None
        if not arts:
            raise UploadError("up_refused", name=name, reason=tuple(b.code for b in bad[:3]) or (Skip.NO_TEXT,))
        same = _same_file(src, corpus)
        if same is not None:
            raise UploadError("up_duplicate", name=name, other=same.relative_to(corpus).as_posix())
        final = corpus / name
        if final.resolve().parent != corpus:  # belt and braces: never outside the corpus
            raise UploadError("up_unsafe", name=name)
        replaced = ""
        if final.exists() or final.is_symlink():
            if not replace or not final.is_file():
                raise UploadError("up_exists", name=name)
            replaced = move_aside(corpus, name).relative_to(corpus).as_posix()
        try:
            try:
                os.link(stage, final)  # fails if the name appeared meanwhile: never overwrites
            except FileExistsError:
                raise
            except OSError:  # filesystems without hard links
                with final.open("xb") as out, stage.open("rb") as inp:
                    shutil.copyfileobj(inp, out)
        except FileExistsError:
            raise UploadError("up_exists", name=name) from None
        return Saved(original_name, final, name, len(arts), replaced)
    finally:
        stage.unlink(missing_ok=True)


def article_files(corpus: Path) -> list[str]:
    """The article files of the corpus folder (relative names, sorted), for the
    remove list: supported types, hidden files and the removed folder left out."""
    corpus = Path(corpus)
    if not corpus.is_dir():
        return []
    return sorted(p.relative_to(corpus).as_posix() for p in corpus.rglob("*")
                  if p.suffix.lower() in SUPPORTED and p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(corpus).parts))


def remove_article(corpus: Path, name: str) -> str:
    """Move an article out of the folder into <corpus>/.removed/ (recoverable);
    where it went, relative to the folder.  UploadError when there is no such article."""
    try:
        return move_aside(corpus, name).relative_to(Path(corpus).resolve()).as_posix()
    except NotAnArticle:
        raise UploadError("rm_missing", name=str(name or "…")) from None
    except OSError as e:
        raise UploadError("rm_failed", name=str(name), reason=e.strerror or type(e).__name__) from None


class ArticleTexts:
    """Full article text for a passage, loaded per file on demand and cached."""

    def __init__(self, corpus: Path):
        self.corpus = Path(corpus).resolve()
        self._cache: dict[str, list[Article]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def _articles(self, source: str) -> list[Article]:
        with self._lock:
            if source in self._cache:
                return self._cache[source]
        path = (self.corpus / source).resolve()
        arts: list[Article] = []
        if path.is_relative_to(self.corpus) and path.is_file():
            try:
                arts, _ = load_file(path, source)
            except (ValueError, OSError):
                arts = []
        with self._lock:
            self._cache[source] = arts
        return arts

    def __call__(self, passage) -> str | None:
        """The article text that contains the passage at its offsets, or None
        (file gone, or changed since the index was built)."""
        for art in self._articles(passage.source):
            if art.id == passage.article_id and art.text[passage.start:passage.end] == passage.text:
                return art.text
        return None


def index_status(corpus: Path, manifest: dict | None) -> dict:
    """Counts and stale files, like `rag index status`."""
    try:
        st = corpus_status(Path(corpus), manifest)
    except RagError as e:
        return {"corpus_ok": False, "corpus_error": str(e), "new": [], "changed": [], "missing": [],
                "stale": 0, "skipped": [], "articles": []}
    return {"corpus_ok": True, "new": st.new, "changed": st.changed, "missing": st.missing, "stale": st.stale,
            "skipped": [(s.source, s.code) for s in st.skipped],
            "articles": [(a.id, a.title, st.state(a.id)) for a in st.articles]}


_STATE = {"ok": ("art_ok", "ok"), "new": ("art_new", "new"), "changed": ("art_changed", "new")}


def status_html(corpus: Path, manifest: dict | None, error: str = "", lang: str = "ar") -> str:
    st = index_status(corpus, manifest)
    rows = []
    if manifest:
        counts = manifest.get("counts", {})
        emb = manifest.get("embedder", {})
        rows = [("st_indexed_articles", counts.get("articles", "?")), ("st_chunks", counts.get("chunks", "?")),
                ("st_built", str(manifest.get("built_at", "?")).replace("T", " ")[:16]),
                ("st_embedder", f"{emb.get('id', '?')} ({emb.get('dim', '?')}-d)"),
                ("st_index_type", manifest.get("index_type", "?"))]
    stale = st["stale"]  # index/status.py CorpusStatus.stale
    if error:
        state = f'<div class="rag-status-bad">{esc(error)}</div>'
    elif not manifest:
        state = f'<div class="rag-status-bad">{t(lang, "st_none")}</div>'
    elif not st["corpus_ok"]:
        state = f'<div class="rag-status-bad">{esc(st.get("corpus_error", ""))}</div>'
    elif stale:
        state = (f'<div class="rag-status-warn">'
                 f'{stale_text(lang, len(st["new"]), len(st["changed"]), len(st["missing"]))}</div>')
    else:
        state = f'<div class="rag-status-ok">{t(lang, "st_ok")}</div>'
    table = "".join(f'<span class="rag-k">{t(lang, k)}</span><bdi class="rag-v" dir="auto">{esc(v)}</bdi>'
                    for k, v in rows)
    folder = f'<div class="rag-folder">{t(lang, "st_folder")} <bdi dir="ltr">{esc(corpus)}</bdi></div>'
    items = "".join(
        f'<li class="rag-art-{_STATE[s][1]}"><span class="rag-art-title">{esc(title)}</span>'
        f'<bdi class="rag-file" dir="auto">{esc(aid)}</bdi>'
        f'<span class="rag-art-state">{t(lang, _STATE[s][0])}</span></li>'
        for aid, title, s in st["articles"]
    )
    items += "".join(
        f'<li class="rag-art-new"><span class="rag-art-title">—</span><bdi class="rag-file" dir="auto">{esc(a)}</bdi>'
        f'<span class="rag-art-state">{t(lang, "art_missing")}</span></li>' for a in st["missing"]
    )
    items += "".join(
        f'<li class="rag-art-skip"><span class="rag-art-title">{esc(skip_text(lang, code))}</span>'
        f'<bdi class="rag-file" dir="auto">{esc(src)}</bdi>'
        f'<span class="rag-art-state">{t(lang, "art_skipped")}</span></li>'
        for src, code in st["skipped"]
    )
    return (f'<div class="rag-status">{state}<div class="rag-kv">{table}</div>{folder}'
            f'<ul class="rag-articles">{items}</ul></div>')
