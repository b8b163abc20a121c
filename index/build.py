"""Incremental, atomic index builds.

Only new or changed articles are chunked and embedded; unchanged ones reuse
their stored vectors; removed ones are dropped.  Everything is written to a new
generation and published with one atomic rename (see ``index/store.py``).
"""

from __future__ import annotations

import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Callable

import numpy as np

from .chunk import Chunk, ChunkConfig, chunk_article
from .embed import Embedder, canonical_id, get_embedder
from .errors import CorpusError, IndexCorruptError, IndexMismatchError, IndexMissingError, RagError
from .lexical import DEFAULT_ANALYZER, LexicalIndex
from .load import Skipped, load_corpus
from .store import (
    IndexStore,
    article_hashes,
    discard_stale,
    live_generation,
    new_generation,
    publish,
    read_manifest,
    write_generation,
)

# Bump when normalisation or cleaning changes what a chunk contains.
PIPELINE_VERSION = "4"  # 4: URLs capped at 2,048 characters, titles cleaned and capped, long tokens cut
EMBED_STEP = 128  # chunks per progress step (about a second with USE on 2 cores)

class Stage(StrEnum):
    """Where a build is, for a progress callback ``(stage, done, total)``."""

    READ = "read"  # reading and cleaning the articles
    EMBED = "embed"  # done/total: chunks embedded
    WRITE = "write"
    DONE = "done"


Progress = Callable[[Stage, int, int], None]
# The share of a build's time each stage takes on the bundled corpus (embedding
# dominates: 0.8 of the wall time with USE on 2 cores), for one progress bar.
_SPAN = {Stage.READ: (0.0, 0.1), Stage.EMBED: (0.1, 0.9), Stage.WRITE: (0.9, 1.0), Stage.DONE: (1.0, 1.0)}


def fraction(stage: Stage, done: int = 0, total: int = 0) -> float:
    """The whole build's progress in 0..1, for a single bar.

    >>> fraction(Stage.READ), fraction(Stage.EMBED, 50, 100), fraction(Stage.DONE)
    (0.0, 0.5, 1.0)
    """
    lo, hi = _SPAN[stage]
    return lo + (hi - lo) * (done / total if total else 0.0)


@dataclass(frozen=True)
class BuildReport:
    index_path: Path
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    chunks_total: int = 0
    chunks_embedded: int = 0
    full: bool = False
    timings: dict = field(default_factory=dict)  # seconds: load, chunk, embed, write
    chunks_resumed: int = 0  # vectors taken from an interrupted build instead of embedded again (Milvus)

    def summary(self) -> str:
        kind = "full build" if self.full else "incremental build"
        lines = [
            f"{kind}: {len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged, {len(self.skipped)} skipped",
            f"{self.chunks_total} chunks in the index, {self.chunks_embedded} embedded now "
            f"({sum(self.timings.values()):.1f}s)"
            + (f", {self.chunks_resumed} taken from an interrupted build" if self.chunks_resumed else ""),
        ]
        for label, items in (("added", self.added), ("updated", self.updated), ("removed", self.removed)):
            lines += [f"  {label}: {a}" for a in items]
        lines += [f"  skipped: {s.source}: {s.reason}" for s in self.skipped]
        return "\n".join(lines)


@contextmanager
def _build_lock(root: Path):
    """One build per index folder at a time (filelock: fcntl made the package
    unimportable on Windows)."""
    from filelock import FileLock, Timeout

    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(root / ".lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise RagError(f"Another build of {root} is running; wait for it to finish.") from None
    try:
        yield
    finally:
        lock.release()


def _previous(root: Path, settings: dict) -> IndexStore | None:
    """The live index when it can be reused for an incremental build."""
    try:
        prev = IndexStore.load(root)
    except (IndexMissingError, IndexCorruptError, IndexMismatchError):
        return None
    m = prev.manifest
    same = (
        m["embedder"]["id"] == settings["embedder"]["id"]
        and m.get("chunker") == settings["chunker"]
        and m.get("pipeline") == settings["pipeline"]
    )
    return prev if same else None


def _live_embedder(root: Path) -> str | None:
    try:
        return read_manifest(live_generation(root))["embedder"]["id"]
    except (RagError, OSError, KeyError, TypeError):
        return None


def load_articles(corpus: Path, follow_links: bool = False):
    """The corpus' articles and skipped files; a CorpusError when none is usable."""
    articles, skipped = load_corpus(Path(corpus), follow_links)
    if not articles:
        detail = "; ".join(f"{s.source}: {s.reason}" for s in skipped[:5])
        raise CorpusError(
            f"No usable articles in {corpus}" + (f" ({detail})" if detail else "") + ". "
            "Add .txt, .md, .html, .jsonl, .pdf or .docx files; the existing index was left unchanged."
        )
    return articles, skipped


def index_settings(embedder: str, chunk_cfg: ChunkConfig) -> dict:
    """What an index must share with the live one for its vectors to be reused."""
    return {"embedder": {"id": canonical_id(embedder)}, "chunker": chunk_cfg.as_dict(), "pipeline": PIPELINE_VERSION}


def build_index(
    corpus: Path,
    root: Path,
    embedder: str | Embedder | None = None,
    chunk_cfg: ChunkConfig = ChunkConfig(),
    index_type: str = "flat",
    analyzer: str = DEFAULT_ANALYZER,
    full: bool = False,
    progress: Progress | None = None,
    show_bar: bool = False,
    follow_links: bool = False,
) -> BuildReport:
    """Build or update the index at ``root`` from the articles in ``corpus``.

    ``embedder=None`` keeps the live index's embedder (``use-m3`` for a new
    index): adding an article must not silently re-embed everything with
    another model.  Naming a different embedder rebuilds in full.  An
    Embedder object is used as it is (the benchmark's stand-in vectors, tests).
    ``progress(stage, done, total)`` is called as the build moves on."""
    note = progress or (lambda stage, done, total: None)
    root = Path(root)
    t = {"load": 0.0, "chunk": 0.0, "embed": 0.0, "write": 0.0}
    with _build_lock(root):
        discard_stale(root)
        t0 = time.perf_counter()
        note(Stage.READ, 0, 0)
        articles, skipped = load_articles(corpus, follow_links)
        given = None if embedder is None or isinstance(embedder, str) else embedder
        embedder = given.id if given else embedder or _live_embedder(root) or "use-m3"
        settings = index_settings(embedder, chunk_cfg)
        prev = None if full else _previous(root, settings)
        t["load"] = time.perf_counter() - t0

        prev_hashes = article_hashes(prev.manifest) if prev else {}
        prev_rows: dict[str, list[int]] = {}
        if prev:
            for row, c in enumerate(prev.chunks):
                prev_rows.setdefault(c.article_id, []).append(row)
        prev_vecs = prev.vectors() if prev else None

        t0 = time.perf_counter()
        chunks: list[Chunk] = []
        reuse: list[int | None] = []  # row in the previous index, or None = embed now
        added, updated, unchanged = [], [], 0
        for art in articles:
            if prev and prev_hashes.get(art.id) == art.content_hash:
                rows = prev_rows.get(art.id, [])
                chunks.extend(prev.chunks[r] for r in rows)
                reuse.extend(rows)
                unchanged += 1
                continue
            (updated if art.id in prev_hashes else added).append(art.id)
            new = chunk_article(art, chunk_cfg)
            chunks.extend(new)
            reuse.extend([None] * len(new))
        current_ids = {a.id for a in articles}
        removed = sorted(a for a in prev_hashes if a not in current_ids)
        t["chunk"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        todo = [i for i, r in enumerate(reuse) if r is None]
        note(Stage.EMBED, 0, len(todo))
        emb = given or get_embedder(embedder)
        texts = [chunks[i].embed_text for i in todo]
        if progress is None or len(texts) <= EMBED_STEP:
            new_vecs = emb.embed_passages(texts, progress=show_bar)
        else:  # in steps, so a progress bar moves during the longest stage
            parts = []
            for start in range(0, len(texts), EMBED_STEP):
                parts.append(emb.embed_passages(texts[start : start + EMBED_STEP]))
                done = min(start + EMBED_STEP, len(texts))
                note(Stage.EMBED, done, len(texts))
            new_vecs = np.concatenate(parts)
        vectors = np.zeros((len(chunks), emb.dim), dtype=np.float32)
        if todo:
            vectors[todo] = new_vecs
        kept = [(i, r) for i, r in enumerate(reuse) if r is not None]
        if kept:
            vectors[[i for i, _ in kept]] = prev_vecs[[r for _, r in kept]]
        t["embed"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        note(Stage.WRITE, 0, 0)
        gen = new_generation(root)
        try:
            old_tokens = LexicalIndex.saved_tokens(prev.path / "bm25", analyzer) if prev else None
            known = ({i: old_tokens[r] for i, r in enumerate(reuse) if r is not None}
                     if old_tokens and len(old_tokens) == len(prev.chunks) else {})
            LexicalIndex.build([c.text for c in chunks], analyzer, known).save(gen / "bm25")
            manifest = {
                **settings,
                "embedder": {"id": emb.id, "dim": emb.dim},
                "analyzer": analyzer,
                "corpus": str(Path(corpus).resolve()),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "counts": {"articles": len(articles), "chunks": len(chunks)},
                "articles": {
                    a.id: {"hash": a.content_hash, "source": a.source, "title": a.title} for a in articles
                },
                "skipped": [{"source": s.source, "reason": s.reason} for s in skipped],
            }
            write_generation(gen, chunks, vectors, manifest, index_type)
            publish(root, gen)
        except BaseException:
            shutil.rmtree(gen, ignore_errors=True)  # the live generation is untouched
            raise
        t["write"] = time.perf_counter() - t0
        note(Stage.DONE, 0, 0)
    return BuildReport(
        index_path=root,
        added=added,
        updated=updated,
        removed=removed,
        unchanged=unchanged,
        skipped=skipped,
        chunks_total=len(chunks),
        chunks_embedded=len(todo),
        full=prev is None,
        timings=t,
    )
