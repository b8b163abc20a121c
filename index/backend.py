"""What retrieval and answering need from an index, whichever engine holds it.

Two backends satisfy it: ``index.store.IndexStore`` (FAISS + bm25s files in
generation folders, the default) and ``index.milvus_store.MilvusStore`` (a
Milvus collection behind an alias: Milvus Lite in a file, or a server).
Rows are integers ``0 .. len(chunks) - 1`` in the build's article order, so
both backends rank ties alike (the fusion breaks ties by row).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Iterable, Protocol, Sequence, runtime_checkable

import numpy as np

from .chunk import Chunk


class Backend(StrEnum):
    FAISS = "faiss"
    MILVUS = "milvus"


@runtime_checkable
class Lexical(Protocol):
    """BM25 over the analysed tokens of every chunk (index/lexical.py's analysis)."""

    analyzer: str
    num_docs: int

    def top(self, query: str | list[str], k: int, extra: list[str] = ()) -> list[tuple[int, float]]: ...

    def idf(self, terms: list[str]) -> dict[str, float]: ...

    def known(self, terms: Iterable[str]) -> set[str]: ...


@runtime_checkable
class Store(Protocol):
    """A loaded index: the interface `rag.retrieve.Retriever` and the answer pipeline use."""

    manifest: dict

    @property
    def chunks(self) -> Sequence[Chunk]: ...

    @property
    def embedder_id(self) -> str: ...

    @property
    def lexical(self) -> Lexical: ...

    def search(self, qvecs: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """Row ids and inner-product scores of the k nearest chunks per query."""

    def vectors(self) -> np.ndarray:
        """All stored vectors in row order."""

    def vector(self, row: int) -> np.ndarray | None:
        """One stored vector (None when the index cannot give it back)."""

    def describe(self) -> str:
        """Where the index lives and its size, for `rag index status`."""

    def moved(self) -> bool:
        """True when another build has published a newer version since this one was opened."""
