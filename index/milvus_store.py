"""The index in Milvus (``pymilvus.MilvusClient``): Milvus Lite when the URI is
a ``.db`` path, a Milvus standalone or cluster for ``http(s)://host:19530``;
one code path for both.

One version of the index is two collections, published by moving an alias::

    <name>                   alias -> the live chunks collection
    <name>__g<time>_<pid>    chunks: row (primary key, build order), chunk (JSON),
                             article_id, tokens (analysed, space-joined), vec (dense),
                             sparse (BM25 weights of the chunk's analysed tokens)
    <name>__g<time>_<pid>_aux   keys: "meta" (manifest without articles), "m:<n>" (the
                             whole manifest, in pieces), "t:<term>" (term id and
                             document frequency: the checker's IDF and `known`)

BM25 is computed here, not by Milvus' BM25 function: Milvus Lite's analyzers
are only ``standard`` and ``jieba`` (no ``whitespace``), and the standard one
splits the skeleton tokens (``~قرغزستن``).  A chunk's sparse vector holds
exactly bm25s' per-term scores (Lucene IDF x Robertson TF, k1=1.2, b=0.75) and
a query's holds its term counts, so the inner product is bm25s' score and
both backends rank alike.  Everything a reader needs is in Milvus, so several
chat replicas can share one index.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from .chunk import Chunk
from .errors import IndexCorruptError, IndexMismatchError, IndexMissingError, RagError
from .lexical import analyze
from .milvus_client import (DEFAULT_NAME, FORMAT_VERSION, aux_name, connect, ensure_loaded, is_server,
                            live_collection, read_manifest)

PAGE = 1000  # rows per query when reading a collection through
CACHE_CHUNKS = 8192  # chunks kept in memory per store (top hits repeat across questions)
MOVED_TTL = 1.0  # seconds between alias checks: one RPC per second at most


def _chunk(raw: str) -> Chunk:
    return Chunk(**json.loads(raw))


class MilvusChunks(Sequence[Chunk]):
    """``store.chunks`` for a Milvus index: rows fetched on demand and cached,
    so a replica does not hold millions of chunks in memory."""

    def __init__(self, store: "MilvusStore", count: int):
        self._store = store
        self._count = count
        self._cache: OrderedDict[int, Chunk] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._count

    def remember(self, row: int, raw: str) -> None:
        with self._lock:
            self._cache[row] = _chunk(raw)
            self._cache.move_to_end(row)
            while len(self._cache) > CACHE_CHUNKS:
                self._cache.popitem(last=False)

    def __getitem__(self, row):
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(self._count))]
        row = int(row) + (self._count if row < 0 else 0)
        if not 0 <= row < self._count:
            raise IndexError(row)
        with self._lock:
            if row in self._cache:
                return self._cache[row]
        got = self._store.client.get(self._store.collection, ids=[row], output_fields=["chunk"])
        if not got:
            raise IndexCorruptError(f"Row {row} is missing from Milvus collection {self._store.collection}. "
                                    "Rebuild: rag index build --full --store milvus")
        self.remember(row, got[0]["chunk"])
        return self._cache[row]

    def __iter__(self) -> Iterator[Chunk]:
        for rows in self._store.pages(["chunk"]):
            yield from (_chunk(r["chunk"]) for r in rows)


class MilvusLexical:
    """BM25 top-k, IDF and `known` from the sparse vectors and term table in Milvus."""

    def __init__(self, store: "MilvusStore", analyzer: str, num_docs: int):
        self._store = store
        self.analyzer = analyzer
        self.num_docs = num_docs
        self._terms: OrderedDict[str, tuple[int, int] | None] = OrderedDict()  # term -> (id, df) or None
        self._lock = threading.Lock()

    def lookup(self, terms: Iterable[str]) -> dict[str, tuple[int, int]]:
        """(term id, document frequency) of the terms the index knows."""
        terms = set(terms)
        with self._lock:
            todo = [t for t in terms if t not in self._terms]
        if todo:
            got = {r["key"][2:]: (int(r["num"]), int(r["df"])) for r in
                   self._store.client.get(aux_name(self._store.collection), ids=["t:" + t for t in todo],
                                          output_fields=["num", "df"])}
            with self._lock:
                for t in todo:
                    self._terms[t] = got.get(t)
                while len(self._terms) > 1 << 16:
                    self._terms.popitem(last=False)
        with self._lock:
            return {t: self._terms[t] for t in terms if self._terms.get(t)}

    def known(self, terms) -> set[str]:
        return set(self.lookup(terms))

    def idf(self, terms: list[str]) -> dict[str, float]:
        """Same formula as LexicalIndex.idf (an unknown term gets the mean known weight)."""
        n = max(1, self.num_docs)
        known = {t: float(np.log(1 + n / (df + 0.5))) for t, (_, df) in self.lookup(terms).items() if df}
        fill = sum(known.values()) / len(known) if known else float(np.log(1 + n / 0.5))
        return {t: known.get(t, fill) for t in terms}

    def top(self, query: str | list[str], k: int, extra: list[str] = ()) -> list[tuple[int, float]]:
        """Like LexicalIndex.top: the query as text, or as terms already analysed with this analyzer."""
        toks = (analyze(query, self.analyzer) if isinstance(query, str) else list(query)) + list(extra)
        ids = self.lookup(toks)
        weights: dict[int, float] = {}
        for t in toks:  # bm25s counts a repeated query term once per occurrence
            if t in ids:
                weights[ids[t][0]] = weights.get(ids[t][0], 0.0) + 1.0
        if not weights or not self.num_docs:
            return []
        s = self._store
        res = s.client.search(s.collection, data=[weights], anns_field="sparse", limit=min(k, self.num_docs),
                              search_params={"metric_type": "IP"}, output_fields=["chunk"])[0]
        out = []
        for hit in res:
            s.chunks.remember(int(hit["row"]), hit["entity"]["chunk"])
            out.append((int(hit["row"]), float(hit["distance"])))
        return [(r, sc) for r, sc in sorted(out, key=lambda x: (-x[1], x[0])) if sc > 0]


def check_collection(client, collection: str, meta: dict) -> None:
    """The collection against the product's own manifest: its generation, its
    vectors' size and the embedder that wrote them, its row and term counts.
    With Milvus Lite's manifest.json of the live collection overwritten, Milvus
    falls back to manifest.json.prev where the collection is empty: `rag
    search` printed [] and `rag index status` said "up to date, 31 chunks".
    Raises IndexCorruptError, like a FAISS file whose checksum differs."""
    def damaged(what: str) -> IndexCorruptError:
        return IndexCorruptError(f"The Milvus index is damaged: collection {collection} {what}. Rebuild it: "
                                 "rag index build --store milvus (it rebuilds a damaged index in full)")

    if meta.get("generation", collection) != collection:  # indexes built before the field: not checked
        raise damaged(f"holds the manifest of {meta.get('generation')}")
    try:
        fields = {f["name"]: f.get("params") or {} for f in client.describe_collection(collection)["fields"]}
        building = client.get(aux_name(collection), ids=["building"], output_fields=["val"])
        rows = client.query(collection, filter="row >= 0", output_fields=["count(*)"])[0]["count(*)"]
        terms = client.query(aux_name(collection), filter='key like "t:%"', output_fields=["count(*)"])[0]["count(*)"]
    except (RagError, LookupError, TypeError) as e:
        raise damaged(f"cannot be counted ({e})") from None
    dim, embedder = meta["embedder"]["dim"], meta["embedder"]["id"]
    wrote = json.loads(building[0]["val"]).get("embedder") if building else embedder
    if int(fields.get("vec", {}).get("dim", dim)) != dim or wrote != embedder:
        raise damaged(f"holds {fields.get('vec', {}).get('dim')}-d vectors of {wrote}, its manifest says {dim}-d of "
                      f"{embedder}")
    want = int(meta["counts"]["chunks"])
    if rows != want:
        raise damaged(f"holds {rows} chunks, its manifest says {want}")
    want_terms = int(meta.get("bm25", {}).get("terms", terms))
    if terms != want_terms:
        raise damaged(f"holds {terms} BM25 terms, its manifest says {want_terms}")


def search_params(index_type: str) -> dict:
    """Search-time settings matching index/store.py's FAISS ones (efSearch 96, nprobe 16)."""
    params = {"hnsw": {"ef": 96}, "ivf": {"nprobe": 16}}.get(index_type, {})
    return {"metric_type": "IP", "params": params}


@dataclass
class MilvusStore:
    """One published version of the index in Milvus, read on demand."""

    uri: str
    name: str  # the alias
    collection: str  # the concrete collection the alias pointed at when opened
    meta: dict
    client: object = field(repr=False)
    _lexical: object = field(default=None, repr=False)
    _manifest: dict | None = field(default=None, repr=False)
    _checked: float = field(default=0.0, repr=False)
    _moved: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        self._chunks = MilvusChunks(self, int(self.meta["counts"]["chunks"]))

    @classmethod
    def open(cls, uri: str, token: str = "", name: str = DEFAULT_NAME,
             expect_embedder: str | None = None) -> "MilvusStore":
        client = connect(uri, token)
        collection = live_collection(client, name)
        if collection is None:
            raise IndexMissingError(f"No index named {name!r} in Milvus at {uri}. Build one first: "
                                    f"rag index build --store milvus --milvus-uri {uri}")
        try:
            for c in (collection, aux_name(collection)):
                ensure_loaded(client, c)
        except Exception as e:
            raise IndexCorruptError(f"Milvus collection {collection} cannot be loaded ({e}). Rebuild it: "
                                    "rag index build --full --store milvus") from None
        meta = read_manifest(client, collection, full=False)
        if meta.get("format_version") != FORMAT_VERSION or meta.get("backend") != "milvus":
            raise IndexMismatchError(f"Milvus collection {collection} has format {meta.get('format_version')}, this "
                                     f"program reads {FORMAT_VERSION}. Rebuild: rag index build --full --store milvus")
        if expect_embedder and meta["embedder"]["id"] != expect_embedder:
            raise IndexMismatchError(
                f"Milvus index {name!r} was built with embedder '{meta['embedder']['id']}', but '{expect_embedder}' "
                f"is configured. Rebuild it (rag index build --full --store milvus --embedder {expect_embedder}).")
        check_collection(client, collection, meta)
        return cls(uri=uri, name=name, collection=collection, meta=meta, client=client, _checked=time.monotonic())

    @property
    def chunks(self) -> MilvusChunks:
        return self._chunks

    @property
    def embedder_id(self) -> str:
        return self.meta["embedder"]["id"]

    @property
    def manifest(self) -> dict:
        """The whole manifest, per-article hashes included (read on first use)."""
        if self._manifest is None:
            self._manifest = read_manifest(self.client, self.collection, full=True)
        return self._manifest

    @property
    def lexical(self) -> MilvusLexical:
        if self._lexical is None:
            self._lexical = MilvusLexical(self, self.meta["analyzer"], len(self._chunks))
        return self._lexical

    def search(self, qvecs: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        n = len(self._chunks)
        if not n:
            return [[] for _ in range(len(qvecs))]
        res = self.client.search(self.collection, data=np.asarray(qvecs, dtype=np.float32).tolist(), anns_field="vec",
                                 limit=max(1, min(k, n)), search_params=search_params(self.meta.get("index_type", "")),
                                 output_fields=["chunk"])
        out = []
        for hits in res:
            for h in hits:
                self._chunks.remember(int(h["row"]), h["entity"]["chunk"])
            out.append([(r, s) for r, s in sorted(((int(h["row"]), float(h["distance"])) for h in hits),
                                                  key=lambda x: (-x[1], x[0]))])
        return out

    def pages(self, fields: list[str], where: str = "") -> Iterator[list[dict]]:
        """All rows in row order, ``PAGE`` at a time (bounded memory)."""
        n = len(self._chunks)
        for start in range(0, n, PAGE):
            flt = f"row >= {start} and row < {start + PAGE}" + (f" and ({where})" if where else "")
            rows = self.client.query(self.collection, filter=flt, output_fields=["row", *fields], limit=PAGE)
            yield sorted(rows, key=lambda r: r["row"])

    def vectors(self) -> np.ndarray:
        dim = self.meta["embedder"]["dim"]
        parts = [np.asarray([r["vec"] for r in rows], dtype=np.float32).reshape(-1, dim)
                 for rows in self.pages(["vec"])]
        return np.concatenate(parts) if parts else np.zeros((0, dim), dtype=np.float32)

    def vector(self, row: int) -> np.ndarray | None:
        got = self.client.get(self.collection, ids=[int(row)], output_fields=["vec"])
        return np.asarray(got[0]["vec"], dtype=np.float32) if got else None

    def describe(self) -> str:
        where = self.uri
        if not is_server(self.uri) and Path(self.uri).exists():
            p = Path(self.uri)
            size = sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) if p.is_dir() else p.stat().st_size
            where += f", {size / 1e6:.1f} MB on disk"
        return f"milvus {where} (alias {self.name} -> {self.collection}, {self.meta.get('index_type')})"

    def moved(self) -> bool:
        """Has a build moved the alias since this store was opened?  Checked at
        most once per ``MOVED_TTL`` seconds; a replica then reopens."""
        now = time.monotonic()
        if not self._moved and now - self._checked >= MOVED_TTL:
            self._checked = now
            try:
                live = live_collection(self.client, self.name)
            except RagError:  # the server is away: keep this version; the search itself will say so
                return False
            self._moved = live is not None and live != self.collection
        return self._moved


def bm25_weights(tf: dict[int, int], length: int, avg_len: float, df: Sequence[int], n_docs: int,
                 k1: float = 1.2, b: float = 0.75) -> dict[int, float]:
    """bm25s' per-term document score ("lucene" method): IDF x saturated TF.

    >>> w = bm25_weights({0: 2, 1: 1}, 3, 3.0, [1, 2], 2)  # idf log(2) x 2/3.2, log(1.2) x 1/2.2
    >>> round(w[0], 4), round(w[1], 4)
    (0.4332, 0.0829)
    """
    norm = k1 * (1 - b + b * length / avg_len)
    return {t: float(np.float32(math.log(1 + (n_docs - df[t] + 0.5) / (df[t] + 0.5)) * c / (c + norm)))
            for t, c in tf.items()}
