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
batch and the vocabulary, not the corpus.  Each batch is stored before the
next is embedded, and a rerun after a kill reuses the vectors the killed
build stored (by a hash of the embedded text), so it does not embed them again.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path

from .arabic import normalize
from .build import BuildReport, Progress, Stage, index_settings, load_articles
from .chunk import Chunk, ChunkConfig, chunk_article
from .embed import get_embedder
from .errors import IndexCorruptError, IndexMismatchError, IndexMissingError, RagError
from .lexical import DEFAULT_ANALYZER, analyze
from .milvus_client import DEFAULT_NAME, FORMAT_VERSION, connect, live_collection
from .milvus_layout import (MAX_VARCHAR, build_lock, create_version, dense_index, discard_stale, drop, ekey,
                            host_tag, interrupted, stored_vectors, write_aux)
from .milvus_store import MilvusStore, bm25_weights

ARTICLE_BATCH = 64  # articles per batch: a few hundred chunks, one embed call's worth
INSERT_BATCH = 512


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


def build_milvus(corpus: Path, uri: str, token: str = "", name: str = DEFAULT_NAME, embedder=None,
                 chunk_cfg: ChunkConfig = ChunkConfig(), index_type: str = "flat", analyzer: str = DEFAULT_ANALYZER,
                 full: bool = False, progress: Progress | None = None, show_bar: bool = False,
                 follow_links: bool = False) -> BuildReport:
    """Build or update the Milvus index ``name`` at ``uri`` from ``corpus`` (see the module doc)."""
    note = progress or (lambda stage, done, total: None)
    t = {"load": 0.0, "chunk": 0.0, "embed": 0.0, "write": 0.0}
    t0 = time.perf_counter()
    client = connect(uri, token)
    note(Stage.READ, 0, 0)
    articles, skipped = load_articles(corpus, follow_links)
    live = live_collection(client, name)
    try:  # a damaged live version is rebuilt in full, not an error
        live_meta = MilvusStore.open(uri, token, name).meta if live else None
    except (IndexCorruptError, IndexMismatchError):
        live_meta = None
    given = None if embedder is None or isinstance(embedder, str) else embedder  # an Embedder object
    embedder = given.id if given else embedder or (live_meta["embedder"]["id"] if live_meta else None) or "use-m3"
    settings = index_settings(embedder, chunk_cfg)
    emb = given or get_embedder(embedder)
    gen = f"{name}__g{time.strftime('%Y%m%d%H%M%S')}_{host_tag()}_{os.getpid()}_{time.monotonic_ns() % 10**6:06d}"
    try:
        create_version(client, gen, emb.dim, emb.id)
        with build_lock(client, name, gen):
            keep = {gen, live or "", (live_meta or {}).get("previous") or ""}
            resume = interrupted(client, name, keep, emb.id)
            discard_stale(client, name, keep | set(resume))
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
            added, updated, unchanged, embedded, resumed, row = [], [], 0, 0, 0, 0
            for batch in batches:
                items = list(chunks_of(batch, ["chunk", "tokens", "vec"]))
                todo = [c for _, chunks, rows in items if rows is None for c in chunks]
                stored = stored_vectors(client, resume, [ekey(c.embed_text) for c in todo]) if resume else {}
                fresh = [c.embed_text for c in todo if ekey(c.embed_text) not in stored]
                te = time.perf_counter()
                new = dict(zip(fresh, emb.embed_passages(fresh))) if fresh else {}
                t["embed"] += time.perf_counter() - te
                embedded += len(fresh)
                resumed += len(todo) - len(fresh)
                pending: list[dict] = []
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
                        key = ekey(c.embed_text)
                        vec = rows[i]["vec"] if rows is not None else stored.get(key, new.get(c.embed_text))
                        pending.append({"row": row, "article_id": a.id, "ekey": key, "chunk": raw,
                                        "tokens": " ".join(toks), "vec": list(map(float, vec)),
                                        "sparse": bm25_weights(tf, len(toks), avg_len, df, n_docs)})
                        row += 1
                for i in range(0, len(pending), INSERT_BATCH):  # each batch stored before the next is embedded
                    client.insert(gen, pending[i:i + INSERT_BATCH])
                if bar:
                    bar.update(sum(len(ch) for _, ch, _ in items))
                note(Stage.EMBED, row, n_docs)
            if bar:
                bar.close()

            tw = time.perf_counter()
            note(Stage.WRITE, 0, 0)
            removed = sorted(a for a in prev_arts if a not in counts)
            manifest = {
                **settings, "format_version": FORMAT_VERSION, "backend": "milvus", "index_type": index_type,
                "embedder": {"id": emb.id, "dim": emb.dim}, "analyzer": analyzer,
                "corpus": str(Path(corpus).resolve()), "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "counts": {"articles": len(articles), "chunks": n_docs},
                "bm25": {"k1": 1.2, "b": 0.75, "avg_len": avg_len, "terms": len(vocab)},
                "previous": live, "generation": gen,  # checked on load (milvus_store.check_collection)
            }
            write_aux(client, gen, manifest, vocab, df, articles, counts, skipped)
            client.flush(gen)
            client.load_collection(gen)
            got = client.query(gen, filter="row >= 0", output_fields=["count(*)"])[0]["count(*)"]
            if got != n_docs:
                raise IndexCorruptError(f"Milvus stored {got} of {n_docs} chunks; the live index was left unchanged.")
            if live:
                client.alter_alias(gen, name)  # the switch: one call, atomic for every reader
            else:
                client.create_alias(gen, name)
            discard_stale(client, name, {gen, live or ""})
            t["write"] = time.perf_counter() - tw
    except BaseException:
        drop(client, gen)  # the alias still points at the old version
        raise
    note(Stage.DONE, 0, 0)
    return BuildReport(index_path=Path(uri), added=added, updated=updated, removed=removed, unchanged=unchanged,
                       skipped=skipped, chunks_total=n_docs, chunks_embedded=embedded, full=prev is None, timings=t,
                       chunks_resumed=resumed)
