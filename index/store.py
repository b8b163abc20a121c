"""The on-disk index: a directory of readable files, swapped in atomically.

Layout::

    <index>/CURRENT             name of the live generation (replaced atomically)
    <index>/gen-<time>/manifest.json   format, embedder, settings, article hashes, file checksums
    <index>/gen-<time>/vectors.faiss   the FAISS index (row i = chunk i)
    <index>/gen-<time>/chunks.jsonl    one Chunk per line, in row order
    <index>/gen-<time>/bm25/           the lexical index (see index/lexical.py)

A build writes a new generation beside the live one and only then points
CURRENT at it, so a crash, Ctrl-C or full disk leaves the old index loadable.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .chunk import Chunk
from .errors import IndexCorruptError, IndexMismatchError, IndexMissingError

FORMAT_VERSION = 1
INDEX_TYPES = ("flat", "hnsw", "ivf")
FAISS_FILE = "vectors.faiss"
CHUNKS_FILE = "chunks.jsonl"
MANIFEST_FILE = "manifest.json"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def ivf_lists(n: int) -> int:
    """Inverted lists for ``n`` vectors: about 4 sqrt(n), and at least 39 vectors a list (faiss's minimum).

    >>> ivf_lists(100_000), ivf_lists(1_000_000), ivf_lists(50)
    (1264, 4000, 1)
    """
    return int(max(1, min(4 * np.sqrt(n), n // 39)))


def make_faiss_index(vectors: np.ndarray, index_type: str = "flat"):
    """Exact inner product by default; HNSW or IVF for large corpora."""
    import faiss

    n, dim = vectors.shape
    if index_type == "flat" or n == 0:
        index = faiss.IndexFlatIP(dim)
    elif index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 96
    elif index_type == "ivf":
        nlist = ivf_lists(n)
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)
        index.nprobe = min(nlist, 16)
    else:
        raise ValueError(f"index type must be one of {INDEX_TYPES}, not {index_type!r}")
    if n:
        index.add(vectors)
    return index


@dataclass
class IndexStore:
    """A loaded generation: chunks, vectors and manifest, all in memory."""

    path: Path
    manifest: dict
    chunks: list[Chunk]
    faiss_index: object = field(repr=False)

    _lexical: object = field(default=None, repr=False)

    @property
    def embedder_id(self) -> str:
        return self.manifest["embedder"]["id"]

    @property
    def lexical(self):
        """The BM25 index stored beside the vectors (loaded on first use)."""
        if self._lexical is None:
            from .lexical import LexicalIndex

            try:
                self._lexical = LexicalIndex.load(self.path / "bm25", len(self.chunks))
            except Exception as e:
                raise IndexCorruptError(
                    f"Lexical index in {self.path / 'bm25'} cannot be read ({e}). Rebuild: {rebuild_hint(self.path)}"
                ) from e
        return self._lexical

    def search(self, qvecs: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """Row ids and inner-product scores of the k nearest chunks per query."""
        import faiss

        k = max(1, min(k, len(self.chunks)))
        if not self.chunks:
            return [[] for _ in range(len(qvecs))]
        # One query: one OpenMP thread.  FAISS's idle OpenMP threads spin and
        # steal the core the next query's BLAS encode needs; `rag bench`
        # measured 52 ms -> 22 ms per search at 100k chunks on 2 cores, with the
        # FAISS call itself no slower.  Batches still use every core.
        faiss.omp_set_num_threads(1 if len(qvecs) == 1 else (os.cpu_count() or 1))
        scores, ids = self.faiss_index.search(np.ascontiguousarray(qvecs, dtype=np.float32), k)
        return [[(int(i), float(s)) for i, s in zip(row_i, row_s) if i >= 0] for row_i, row_s in zip(ids, scores)]

    def vectors(self) -> np.ndarray:
        """All stored vectors in row order (to reuse unchanged chunks on rebuild)."""
        import faiss

        n = self.faiss_index.ntotal
        if n == 0:
            return np.zeros((0, self.manifest["embedder"]["dim"]), dtype=np.float32)
        if isinstance(self.faiss_index, faiss.IndexIVF):
            self.faiss_index.make_direct_map()
        return self.faiss_index.reconstruct_n(0, n)

    def vector(self, row: int) -> np.ndarray | None:
        try:
            return self.faiss_index.reconstruct(row)
        except Exception:  # IVF without a direct map
            return None

    def describe(self) -> str:
        size = sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())
        return f"{self.path.parent} ({self.path.name}, {self.manifest.get('index_type')}, {size / 1e6:.1f} MB)"

    def moved(self) -> bool:
        """Always False: a generation is loaded whole into one process, and the
        chat swaps it itself after its own rebuild (ui/backend.py)."""
        return False

    # ---------------------------------------------------------------- loading
    @classmethod
    def load(cls, root: Path, expect_embedder: str | None = None) -> "IndexStore":
        gen = live_generation(Path(root))
        manifest = read_manifest(gen)
        if manifest.get("format_version") != FORMAT_VERSION:
            raise IndexMismatchError(
                f"Index at {root} has format version {manifest.get('format_version')}, this program reads "
                f"version {FORMAT_VERSION}. Rebuild it: {rebuild_hint(gen)}"
            )
        if expect_embedder and manifest["embedder"]["id"] != expect_embedder:
            raise IndexMismatchError(
                f"Index at {root} was built with embedder '{manifest['embedder']['id']}', but "
                f"'{expect_embedder}' is configured. Rebuild it (rag index build --full --embedder "
                f"{expect_embedder}) or use the embedder it was built with."
            )
        _check_listed(gen, manifest)
        for name, meta in manifest["files"].items():
            f = gen / name
            if not f.exists():
                raise IndexCorruptError(f"Index file {f} is missing. Rebuild the index: {rebuild_hint(gen)}")
            if f.stat().st_size != meta["size"] or _sha256(f) != meta["sha256"]:
                raise IndexCorruptError(
                    f"Index file {f} is truncated or damaged (checksum mismatch). "
                    f"Rebuild the index: {rebuild_hint(gen)}"
                )
        try:
            import faiss

            index = faiss.read_index(str(gen / FAISS_FILE))
            with (gen / CHUNKS_FILE).open(encoding="utf-8") as fh:
                chunks = [Chunk(**json.loads(line)) for line in fh if line.strip()]
        except Exception as e:  # faiss raises RuntimeError; JSON/TypeError on bad metadata
            raise IndexCorruptError(f"Index at {gen} cannot be read ({e}). Rebuild it: {rebuild_hint(gen)}") from e
        if chunks and index.d != manifest["embedder"]["dim"]:
            raise IndexCorruptError(
                f"Index at {gen} holds {index.d}-d vectors but its manifest says the embedder gives "
                f"{manifest['embedder']['dim']}-d. Rebuild it: {rebuild_hint(gen)}"
            )
        if index.ntotal != len(chunks):
            raise IndexCorruptError(
                f"Index at {gen} is inconsistent ({index.ntotal} vectors, {len(chunks)} chunks). "
                f"Rebuild it: {rebuild_hint(gen)}"
            )
        if hasattr(index, "hnsw"):
            index.hnsw.efSearch = max(index.hnsw.efSearch, 96)
        return cls(path=gen, manifest=manifest, chunks=chunks, faiss_index=index)


def rebuild_hint(path: Path) -> str:
    """The command that rebuilds the index a path belongs to."""
    path = Path(path)
    root = path.parent if path.name.startswith("gen-") else path
    return f"rag index build --full --index {root} (add --corpus DIR if the articles are elsewhere)"


def live_generation(root: Path) -> Path:
    """The directory of the live generation under an index root."""
    if (root / MANIFEST_FILE).exists():  # pointed straight at a generation
        return root
    current = root / "CURRENT"
    if not current.exists():
        raise IndexMissingError(f"No index at {root}. Build one first: rag index build --corpus DIR --index {root}")
    try:
        name = current.read_bytes().decode("utf-8").strip()
    except UnicodeDecodeError:  # a damaged pointer: no usable generation (a build recovers from it)
        raise IndexCorruptError(f"{current} is damaged (not a generation name). "
                                f"Rebuild: {rebuild_hint(root)}") from None
    gen = root / name
    if not name or "/" in name or "\0" in name or not gen.is_dir():
        raise IndexCorruptError(f"{current} points to a missing generation '{name}'. Rebuild: {rebuild_hint(root)}")
    return gen


# The manifest's shape: key -> the type its value must have (a manifest edited
# to valid JSON of another shape gave tracebacks or silently skipped checksums:
# with "files": {} an edited chunks.jsonl was served; "articles" entries that
# were not objects crashed `rag index status` and the incremental build).
_MANIFEST_SHAPE = {"embedder": dict, "files": dict}
_OPTIONAL_SHAPE = {"articles": dict, "counts": dict, "chunker": dict}
REQUIRED_FILES = (CHUNKS_FILE, FAISS_FILE)  # and every other file of the generation (the bm25 folder)


def _check_shape(manifest) -> None:
    """Raise TypeError unless ``manifest`` has the shape a build writes.

    >>> _check_shape({"embedder": {"id": "e", "dim": 4}, "files": {}})
    Traceback (most recent call last):
    TypeError: 'files' must list chunks.jsonl with its size and sha256
    """
    if not isinstance(manifest, dict):
        raise TypeError("not a JSON object")
    for key, kind in _MANIFEST_SHAPE.items():
        if not isinstance(manifest.get(key), kind):
            raise TypeError(f"'{key}' must be a {kind.__name__}")
    for key, kind in _OPTIONAL_SHAPE.items():
        if key in manifest and not isinstance(manifest[key], kind):
            raise TypeError(f"'{key}' must be a {kind.__name__}")
    emb = manifest["embedder"]
    if not isinstance(emb.get("id"), str) or not isinstance(emb.get("dim"), int) or isinstance(emb.get("dim"), bool):
        raise TypeError("'embedder' needs a string 'id' and an integer 'dim'")
    for name, meta in manifest["files"].items():
        if not (isinstance(meta, dict) and isinstance(meta.get("size"), int) and isinstance(meta.get("sha256"), str)) \
                or "/.." in f"/{name}" or name.startswith("/"):
            raise TypeError(f"file entry {name[:60]!r} must name a file inside the generation with its size and sha256")
    for name in REQUIRED_FILES:
        if name not in manifest["files"]:
            raise TypeError(f"'files' must list {name} with its size and sha256")
    for key, meta in manifest.get("articles", {}).items():
        if not (isinstance(meta, dict) and isinstance(meta.get("hash"), str)):
            raise TypeError(f"article entry {key[:60]!r} must be an object with a string 'hash'")
    for key, value in manifest.get("counts", {}).items():
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"count {key[:60]!r} must be an integer")


def _check_listed(gen: Path, manifest: dict) -> None:
    """Every file of the generation is listed with its checksum (an unlisted one is not checked)."""
    listed = manifest["files"]
    for f in gen.rglob("*"):
        name = f.relative_to(gen).as_posix()
        if f.is_file() and name != MANIFEST_FILE and name not in listed:
            raise IndexCorruptError(f"Index file {f} has no checksum in the manifest. Rebuild the index: "
                                    f"{rebuild_hint(gen)}")


def article_hashes(manifest: dict | None) -> dict[str, str]:
    """Article id -> content hash of an index's manifest ({} for none); a
    damaged entry is an IndexCorruptError that says to rebuild.

    >>> article_hashes({"articles": {"a.txt": {"hash": "h1"}}})
    {'a.txt': 'h1'}
    """
    articles = (manifest or {}).get("articles", {})
    if not isinstance(articles, dict) or not all(isinstance(m, dict) and isinstance(m.get("hash"), str)
                                                 for m in articles.values()):
        raise IndexCorruptError("The index's manifest is damaged (its article list). Rebuild the index: "
                                "rag index build --full")
    return {a: m["hash"] for a, m in articles.items()}


def read_manifest(gen: Path) -> dict:
    try:
        manifest = json.loads((gen / MANIFEST_FILE).read_bytes().decode("utf-8"))
        _check_shape(manifest)
        return manifest
    except FileNotFoundError:
        raise IndexCorruptError(f"{gen / MANIFEST_FILE} is missing. Rebuild the index: {rebuild_hint(gen)}") from None
    except (ValueError, KeyError, TypeError, RecursionError) as e:
        raise IndexCorruptError(f"{gen / MANIFEST_FILE} is damaged ({e}). Rebuild: {rebuild_hint(gen)}") from None


def new_generation(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    gen = root / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}.tmp"
    gen.mkdir()
    return gen


def write_generation(gen: Path, chunks: list[Chunk], vectors: np.ndarray, manifest: dict, index_type: str) -> None:
    """Write chunks, vectors and manifest into a fresh generation directory, fsynced."""
    import faiss

    faiss.write_index(make_faiss_index(vectors, index_type), str(gen / FAISS_FILE))
    with (gen / CHUNKS_FILE).open("w", encoding="utf-8") as fh:
        for c in chunks:
            fh.write(json.dumps(asdict(c), ensure_ascii=False) + "\n")
    files = {}
    for f in sorted(p for p in gen.rglob("*") if p.is_file()):
        files[f.relative_to(gen).as_posix()] = {"size": f.stat().st_size, "sha256": _sha256(f)}
    manifest = {**manifest, "format_version": FORMAT_VERSION, "index_type": index_type, "files": files}
    tmp = gen / (MANIFEST_FILE + ".part")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    for f in gen.rglob("*"):
        if f.is_file():
            with f.open("rb") as fh:
                os.fsync(fh.fileno())
    os.replace(tmp, gen / MANIFEST_FILE)


def publish(root: Path, gen: Path) -> Path:
    """Atomically make ``gen`` the live generation and remove older ones."""
    final = gen.with_name(gen.name.removesuffix(".tmp"))
    os.replace(gen, final)
    pointer = root / "CURRENT.part"
    pointer.write_text(final.name + "\n", encoding="utf-8")
    with pointer.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(pointer, root / "CURRENT")
    for old in root.glob("gen-*"):
        if old.is_dir() and old.name != final.name and not old.name.endswith(".tmp"):
            shutil.rmtree(old, ignore_errors=True)
    return final


def discard_stale(root: Path) -> None:
    """Remove generations left by interrupted builds."""
    for old in root.glob("gen-*.tmp"):
        shutil.rmtree(old, ignore_errors=True)
