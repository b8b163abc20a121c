"""Build the index into Milvus: streamed, incremental, published atomically.

A build writes a new chunks collection (and its ``_aux``) beside the live one
and only then moves the alias, so readers never see a half-built index and a
failed or killed build leaves the old one live.  The alias
``<name>__lock``, pointing at the collection being built, is the build lock
(creating an alias that exists fails in Milvus, atomically, across machines).

Articles are processed in batches, twice: pass 1 counts document frequencies
and lengths (BM25 needs corpus statistics before any chunk's weights are
known), pass 2 embeds the new and changed articles, copies the unchanged
ones' vectors from the live collection and writes both.  Memory holds one
batch and the vocabulary, not the corpus.
"""

from __future__ import annotations

import json
import os
import socket
import time
import zlib
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from .arabic import normalize
from .build import BuildReport, Progress, index_settings, load_articles
from .chunk import Chunk, ChunkConfig, chunk_article
from .embed import get_embedder
from .errors import IndexCorruptError, IndexMismatchError, IndexMissingError, RagError
from .lexical import DEFAULT_ANALYZER, analyze
from .milvus_store import (DEFAULT_NAME, FORMAT_VERSION, MilvusStore, aux_name, bm25_weights, connect,
                           live_collection)

ARTICLE_BATCH = 64  # articles per batch: a few hundred chunks, one embed call's worth
INSERT_BATCH = 512
PIECE = 16000  # characters of manifest JSON per row (VARCHAR holds 65,535 bytes; Arabic is 2 bytes a character)
MAX_VARCHAR = 65535


def _host_tag() -> str:
    return f"{zlib.crc32(socket.gethostname().encode()):08x}"


def _schema(client, dim: int):
    from pymilvus import DataType

    s = client.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("row", DataType.INT64, is_primary=True)
    s.add_field("article_id", DataType.VARCHAR, max_length=MAX_VARCHAR)
    s.add_field("chunk", DataType.VARCHAR, max_length=MAX_VARCHAR)
    s.add_field("tokens", DataType.VARCHAR, max_length=MAX_VARCHAR)
    s.add_field("vec", DataType.FLOAT_VECTOR, dim=dim)
    s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    return s


def _aux_schema(client):
    from pymilvus import DataType

    s = client.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("key", DataType.VARCHAR, is_primary=True, max_length=MAX_VARCHAR)
    s.add_field("num", DataType.INT64)
    s.add_field("df", DataType.INT64)
    s.add_field("val", DataType.VARCHAR, max_length=MAX_VARCHAR)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field in every collection
    return s


def dense_index(index_type: str, n: int) -> dict:
    """The Milvus index like index/store.py's FAISS one (HNSW M=32, ef 80; IVF nlist ~4 sqrt(n))."""
    if index_type == "hnsw":
        return {"index_type": "HNSW", "params": {"M": 32, "efConstruction": 80}}
    if index_type == "ivf":
        return {"index_type": "IVF_FLAT", "params": {"nlist": int(max(1, min(4 * n ** 0.5, n // 39)))}}
    return {"index_type": "FLAT", "params": {}}


@contextmanager
def _build_lock(client, name: str, collection: str):
    lock = f"{name}__lock"
    for attempt in (0, 1):
        try:
            client.create_alias(collection, lock)
            break
        except Exception:
            held = live_collection(client, lock)
            host, pid = _holder(held or "")
            if attempt == 0 and held and host == _host_tag() and not _alive(pid):
                client.drop_alias(lock)  # its build was killed: take the lock over
                continue
            raise RagError(f"Another build of Milvus index {name!r} is running ({held}); wait for it to finish. "
                           f"If none is (it ran on another machine and was killed), drop the alias {lock!r}.") from None
    try:
        yield
    finally:
        try:
            client.drop_alias(lock)
        except Exception:
            pass


def _holder(collection: str) -> tuple[str, int]:
    """(host tag, pid) of the build writing ``collection``.

    >>> _holder("news__g20261129001500_0a1b2c3d_4242_000123")
    ('0a1b2c3d', 4242)
    """
    parts = collection.rpartition("__g")[2].split("_")
    try:
        return parts[1], int(parts[2])
    except (IndexError, ValueError):
        return "", 0


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _drop(client, collection: str) -> None:
    for c in (collection, aux_name(collection)):
        try:
            client.drop_collection(c)
        except Exception:
            pass


def _discard_stale(client, name: str, keep: set[str]) -> None:
    """Drop collections of builds that never published (crash, kill -9) and old versions."""
    for c in client.list_collections():
        base = c.removesuffix("_aux")
        if base.startswith(f"{name}__g") and base not in keep:
            _drop(client, base)


def _previous(client, uri: str, token: str, name: str, settings: dict) -> MilvusStore | None:
    try:
        prev = MilvusStore.open(uri, token, name)
    except (IndexMissingError, IndexCorruptError, IndexMismatchError):
        return None
    m = prev.meta
    same = (m["embedder"]["id"] == settings["embedder"]["id"] and m.get("chunker") == settings["chunker"]
            and m.get("pipeline") == settings["pipeline"])
    return prev if same else None


def _tokens(text: str, analyzer: str) -> list[str]:
    return analyze(normalize(text), analyzer) or [""]  # as LexicalIndex.build: an empty chunk is one "" token


def _reused(prev: MilvusStore, ids: list[str], expect: int, fields: list[str]) -> dict[str, list[dict]]:
    """The live index's rows of unchanged articles, by article, in row order."""
    if not ids:
        return {}
    rows = prev.client.query(prev.collection, filter=f"article_id in {json.dumps(ids, ensure_ascii=False)}",
                             output_fields=["row", "article_id", *fields], limit=max(1, expect))
    if len(rows) != expect:
        raise IndexCorruptError(f"Milvus collection {prev.collection} holds {len(rows)} chunks of {len(ids)} "
                                f"articles, its manifest says {expect}. Rebuild: rag index build --full --store milvus")
    out: dict[str, list[dict]] = {}
    for r in sorted(rows, key=lambda r: r["row"]):
        out.setdefault(r["article_id"], []).append(r)
    return out


def build_milvus(corpus: Path, uri: str, token: str = "", name: str = DEFAULT_NAME, embedder: str | None = None,
                 chunk_cfg: ChunkConfig = ChunkConfig(), index_type: str = "flat", analyzer: str = DEFAULT_ANALYZER,
                 full: bool = False, progress: Progress | None = None, show_bar: bool = False,
                 follow_links: bool = False) -> BuildReport:
    """Build or update the Milvus index ``name`` at ``uri`` from ``corpus`` (see the module doc)."""
    note = progress or (lambda msg, frac: None)
    t = {"load": 0.0, "chunk": 0.0, "embed": 0.0, "write": 0.0}
    t0 = time.perf_counter()
    client = connect(uri, token)
    note("reading articles", 0.0)
    articles, skipped = load_articles(corpus, follow_links)
    live = live_collection(client, name)
    live_meta = MilvusStore.open(uri, token, name).meta if live else None
    embedder = embedder or (live_meta["embedder"]["id"] if live_meta else None) or "use-m3"
    settings = index_settings(embedder, chunk_cfg)
    emb = get_embedder(embedder)
    gen = f"{name}__g{time.strftime('%Y%m%d%H%M%S')}_{_host_tag()}_{os.getpid()}_{time.monotonic_ns() % 10**6:06d}"
    client.create_collection(gen, schema=_schema(client, emb.dim))
    try:
        with _build_lock(client, name, gen):
            _discard_stale(client, name, {gen, live or "", (live_meta or {}).get("previous") or ""})
            prev = None if full else _previous(client, uri, token, name, settings)
            prev_arts = prev.manifest["articles"] if prev else {}
            t["load"] = time.perf_counter() - t0
            batches = [articles[i:i + ARTICLE_BATCH] for i in range(0, len(articles), ARTICLE_BATCH)]

            def chunks_of(batch, fields):
                """(article, chunks, old rows or None) for each article of a batch."""
                same = [a.id for a in batch if prev and prev_arts.get(a.id, {}).get("hash") == a.content_hash]
                old = _reused(prev, same, sum(prev_arts[a]["chunks"] for a in same), fields) if same else {}
                for a in batch:
                    if a.id in old or a.id in same:
                        rows = old.get(a.id, [])
                        yield a, [Chunk(**json.loads(r["chunk"])) for r in rows], rows
                    else:
                        yield a, chunk_article(a, chunk_cfg), None

            # Pass 1: vocabulary, document frequencies, lengths.
            tc = time.perf_counter()
            vocab: dict[str, int] = {}
            df: list[int] = []
            n_docs = total_len = 0
            counts: dict[str, int] = {}
            for batch in batches:
                for a, chunks, rows in chunks_of(batch, ["chunk", "tokens"]):
                    counts[a.id] = len(chunks)
                    for i, c in enumerate(chunks):
                        reuse = rows and prev.meta.get("analyzer") == analyzer
                        toks = rows[i]["tokens"].split(" ") if reuse else _tokens(c.text, analyzer)
                        n_docs += 1
                        total_len += len(toks)
                        for tok in set(toks):
                            tid = vocab.setdefault(tok, len(vocab))
                            if tid == len(df):
                                df.append(0)
                            df[tid] += 1
            avg_len = total_len / max(1, n_docs)
            t["chunk"] = time.perf_counter() - tc

            # Pass 2: embed what changed, copy what did not, write.
            from pymilvus import MilvusClient

            params = MilvusClient.prepare_index_params()
            params.add_index("vec", metric_type="IP", **dense_index(index_type, n_docs))
            params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
            client.create_index(gen, params)
            bar = None
            if show_bar:
                from tqdm import tqdm

                bar = tqdm(total=n_docs, unit="chunk", desc="indexing", smoothing=0.1)
            added, updated, unchanged, embedded, row = [], [], 0, 0, 0
            pending: list[dict] = []
            for batch in batches:
                items = list(chunks_of(batch, ["chunk", "tokens", "vec"]))
                todo = [c for _, chunks, rows in items if rows is None for c in chunks]
                te = time.perf_counter()
                vecs = iter(emb.embed_passages([c.embed_text for c in todo]) if todo else [])
                t["embed"] += time.perf_counter() - te
                embedded += len(todo)
                for a, chunks, rows in items:
                    if rows is not None:
                        unchanged += 1
                    else:
                        (updated if a.id in prev_arts else added).append(a.id)
                    for i, c in enumerate(chunks):
                        raw = json.dumps(c.__dict__, ensure_ascii=False)
                        if len(raw.encode()) > MAX_VARCHAR:
                            raise RagError(f"A chunk of {a.source} is longer than Milvus' 65,535-byte text field; "
                                           "lower chunk_size.")
                        reuse = rows is not None and prev.meta.get("analyzer") == analyzer
                        toks = rows[i]["tokens"].split(" ") if reuse else _tokens(c.text, analyzer)
                        tf = Counter(vocab[tok] for tok in toks)
                        pending.append({"row": row, "article_id": a.id, "chunk": raw, "tokens": " ".join(toks),
                                        "vec": list(map(float, rows[i]["vec"] if rows is not None else next(vecs))),
                                        "sparse": bm25_weights(tf, len(toks), avg_len, df, n_docs)})
                        row += 1
                    if len(pending) >= INSERT_BATCH:
                        client.insert(gen, pending)
                        pending = []
                if bar:
                    bar.update(sum(len(ch) for _, ch, _ in items))
                note(f"embedding {embedded} chunks, {row}/{n_docs} written", 0.05 + 0.85 * row / max(1, n_docs))
            if pending:
                client.insert(gen, pending)
            if bar:
                bar.close()

            tw = time.perf_counter()
            note("writing index", 0.9)
            removed = sorted(a for a in prev_arts if a not in counts)
            manifest = {
                **settings, "format_version": FORMAT_VERSION, "backend": "milvus", "index_type": index_type,
                "embedder": {"id": emb.id, "dim": emb.dim}, "analyzer": analyzer,
                "corpus": str(Path(corpus).resolve()), "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "counts": {"articles": len(articles), "chunks": n_docs},
                "bm25": {"k1": 1.2, "b": 0.75, "avg_len": avg_len, "terms": len(vocab)},
                "previous": live,
            }
            _write_aux(client, gen, manifest, vocab, df, articles, counts, skipped)
            client.flush(gen)
            client.load_collection(gen)
            got = client.query(gen, filter="row >= 0", output_fields=["count(*)"])[0]["count(*)"]
            if got != n_docs:
                raise IndexCorruptError(f"Milvus stored {got} of {n_docs} chunks; the live index was left unchanged.")
            if live:
                client.alter_alias(gen, name)  # the switch: one call, atomic for every reader
            else:
                client.create_alias(gen, name)
            _discard_stale(client, name, {gen, live or ""})
            t["write"] = time.perf_counter() - tw
    except BaseException:
        _drop(client, gen)  # the alias still points at the old version
        raise
    note("done", 1.0)
    return BuildReport(index_path=Path(uri), added=added, updated=updated, removed=removed, unchanged=unchanged,
                       skipped=skipped, chunks_total=n_docs, chunks_embedded=embedded, full=prev is None, timings=t)


def _write_aux(client, gen: str, manifest: dict, vocab: dict[str, int], df: list[int], articles, counts,
               skipped) -> None:
    aux = aux_name(gen)
    params = client.prepare_index_params()
    params.add_index("v", index_type="FLAT", metric_type="L2")
    client.create_collection(aux, schema=_aux_schema(client), index_params=params)
    whole = {**manifest,
             "articles": {a.id: {"hash": a.content_hash, "source": a.source, "title": a.title, "chunks": counts[a.id]}
                          for a in articles},
             "skipped": [{"source": s.source, "reason": s.reason} for s in skipped]}
    text = json.dumps(whole, ensure_ascii=False)
    rows = [{"key": "meta", "num": 0, "df": 0, "val": json.dumps(manifest, ensure_ascii=False), "v": [0.0, 0.0]}]
    rows += [{"key": f"m:{i // PIECE:08d}", "num": 0, "df": 0, "val": text[i:i + PIECE], "v": [0.0, 0.0]}
             for i in range(0, len(text), PIECE)]
    rows += [{"key": "t:" + term, "num": tid, "df": df[tid], "val": "", "v": [0.0, 0.0]} for term, tid in vocab.items()]
    for i in range(0, len(rows), 2000):
        client.insert(aux, rows[i:i + 2000])
    client.flush(aux)
    client.load_collection(aux)
