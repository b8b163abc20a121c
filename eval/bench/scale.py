"""`rag bench --scale 100k,1m`: the vector engines alone at sizes past what
USE can embed here (8 minutes per 100k chunks on 2 cores), with stand-in vectors.

Stand-in vectors as corpus.ProxyEmbedder makes them: a real USE vector of a
chunk of the bundled articles (picked by row) plus deterministic Gaussian
noise (sigma 0.015), renormalised; the queries are real USE embeddings of the
bench queries.  Vector ``i`` depends only on ``(seed, i)``, so every backend
indexes the same vectors.  Each (backend, size) runs in its own process so its
peak RSS is its own: FAISS flat / HNSW / IVF and Milvus Lite FLAT / HNSW /
IVF_FLAT, each with build time, peak RSS, query p50/p95 (one query at a time,
top 50 candidates as the retriever asks), recall@10 against exact search and
disk size.  Writes scale.json, scale.md and a log-log scale.png.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

SIGMA = 0.015
BATCH = 50_000  # vectors generated (and inserted) at a time
CANDIDATES = 50
BACKENDS = ("faiss-flat", "faiss-hnsw", "faiss-ivf", "faiss-ivfsq", "milvus-flat", "milvus-hnsw", "milvus-ivf")
# Search-time settings measured on one build each: index/store.py's efSearch 96 gave recall@10 0.83 at
# 100k stand-in vectors (docs/bench-report.md), ef=128 gave 0.87 here at 100k, below the 0.95 target.
HNSW_EF = (128, 512)
IVF_PROBES = (32, 128)


def parse_sizes(text: str) -> list[int]:
    """'10k,1m' -> [10000, 1000000].

    >>> parse_sizes("10k, 250k,1m")
    [10000, 250000, 1000000]
    """
    mult = {"k": 1_000, "m": 1_000_000}
    out = []
    for part in text.lower().replace(" ", "").split(","):
        n = float(part[:-1]) * mult[part[-1]] if part[-1] in mult else float(part)
        out.append(int(n))
    return out


def stand_in(bases: np.ndarray, start: int, stop: int, seed: int) -> np.ndarray:
    """Vectors ``start..stop-1``: base ``i % len(bases)`` plus noise of the batch's own seed."""
    out = np.empty((stop - start, bases.shape[1]), dtype=np.float32)
    for b0 in range(start - start % BATCH, stop, BATCH):
        rng = np.random.default_rng([seed, b0 // BATCH])
        noise = rng.standard_normal((BATCH, bases.shape[1]), dtype=np.float32) * SIGMA
        lo, hi = max(start, b0), min(stop, b0 + BATCH)
        v = bases[np.arange(lo, hi) % len(bases)] + noise[lo - b0 : hi - b0]
        out[lo - start : hi - start] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def exact_top(bases: np.ndarray, queries: np.ndarray, n: int, seed: int, k: int = 10) -> np.ndarray:
    """Exact inner-product top-k ids, streamed over the vectors (bounded memory)."""
    best_s = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(queries), k), dtype=np.int64)
    for b0 in range(0, n, BATCH):
        v = stand_in(bases, b0, min(n, b0 + BATCH), seed)
        s = queries @ v.T
        ids = np.arange(b0, b0 + len(v))
        cs, ci = np.concatenate([best_s, s], 1), np.concatenate([best_i, np.broadcast_to(ids, s.shape)], 1)
        top = np.argsort(-cs, axis=1, kind="stable")[:, :k]
        best_s, best_i = np.take_along_axis(cs, top, 1), np.take_along_axis(ci, top, 1)
    return best_i


def _disk(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def _faiss(kind: str, bases, n, seed, work: Path):
    import faiss

    if kind == "ivfsq":
        return _faiss_ivfsq(bases, n, seed, work)

    from index.store import ivf_lists, make_faiss_index

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    t0 = time.perf_counter()
    if kind == "ivf":  # lists for all n vectors (as index/store.py), trained on a sample, added in batches
        idx = faiss.IndexIVFFlat(faiss.IndexFlatIP(bases.shape[1]), bases.shape[1], ivf_lists(n),
                                 faiss.METRIC_INNER_PRODUCT)
        idx.train(stand_in(bases, 0, min(n, 100_000), seed))
    else:
        idx = make_faiss_index(np.zeros((0, bases.shape[1]), np.float32), "flat") if kind == "flat" else \
            faiss.IndexHNSWFlat(bases.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
        if kind == "hnsw":
            idx.hnsw.efConstruction = 80
    for b0 in range(0, n, BATCH):
        idx.add(stand_in(bases, b0, min(n, b0 + BATCH), seed))
    build = time.perf_counter() - t0
    faiss.write_index(idx, str(work / "x.faiss"))
    faiss.omp_set_num_threads(1)  # one query, one thread: as index/store.py searches

    def setting(value):
        def search(q):
            if kind == "hnsw":
                idx.hnsw.efSearch = value
            elif kind == "ivf":
                idx.nprobe = min(idx.nlist, value)
            return idx.search(q[None, :], CANDIDATES)[1][0]
        return search

    return build, _settings(kind, setting), work / "x.faiss"


def _faiss_ivfsq(bases, n, seed, work: Path):
    """IVF over 8-bit codes (512 B a vector instead of 2 KiB) and an exact re-rank of the candidates.

    Why: at 1M chunks the float32 vectors alone are 2.0 GB, so any index that keeps them in memory
    (flat, HNSW, IVF-flat: 3.0-3.6 GB peak RSS measured here) misses a 2 GB build budget.  The codes
    stay in memory; the float32 vectors are appended to a file as they are made (plain writes: page
    cache, not this process's RSS) and read back only for the 50 candidates of a query.
    """
    import faiss

    from index.store import ivf_lists

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    dim = bases.shape[1]
    t0 = time.perf_counter()
    idx = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, ivf_lists(n), faiss.ScalarQuantizer.QT_8bit,
                                        faiss.METRIC_INNER_PRODUCT)
    sample = stand_in(bases, 0, min(n, 100_000), seed)
    idx.train(sample)
    del sample
    with open(work / "vectors.f32", "wb") as f:
        for b0 in range(0, n, BATCH):
            v = stand_in(bases, b0, min(n, b0 + BATCH), seed)
            idx.add(v)
            f.write(v.tobytes())
    build = time.perf_counter() - t0
    faiss.write_index(idx, str(work / "x.faiss"))
    exact = np.memmap(work / "vectors.f32", dtype=np.float32, mode="r", shape=(n, dim))
    faiss.omp_set_num_threads(1)

    def setting(value):
        def search(q):
            idx.nprobe = min(idx.nlist, value)
            ids = idx.search(q[None, :], CANDIDATES)[1][0]
            ids = np.sort(ids[ids >= 0])  # ascending: the file is read forwards
            return ids[np.argsort(-(exact[ids] @ q), kind="stable")]
        return search

    return build, _settings("ivf", setting), work


def _milvus(kind: str, bases, n, seed, work: Path):
    from pymilvus import DataType, MilvusClient

    from index.milvus_layout import dense_index

    client = MilvusClient(str(work / "m.db"))
    s = client.create_schema(auto_id=False)
    s.add_field("row", DataType.INT64, is_primary=True)
    s.add_field("vec", DataType.FLOAT_VECTOR, dim=bases.shape[1])
    params = client.prepare_index_params()
    params.add_index("vec", metric_type="IP", **dense_index(kind, n))
    t0 = time.perf_counter()
    client.create_collection("x", schema=s, index_params=params)
    for b0 in range(0, n, BATCH):
        v = stand_in(bases, b0, min(n, b0 + BATCH), seed)
        for i in range(0, len(v), 5000):
            client.insert("x", [{"row": b0 + i + j, "vec": v[i + j]} for j in range(min(5000, len(v) - i))])
    client.flush("x")
    client.load_collection("x")
    build = time.perf_counter() - t0

    def setting(value):
        sp = {"metric_type": "IP", "params": {"hnsw": {"ef": value}, "ivf": {"nprobe": value}}.get(kind, {})}

        def search(q):
            return [h["row"] for h in client.search("x", data=[q.tolist()], anns_field="vec", limit=CANDIDATES,
                                                    search_params=sp)[0]]
        return search

    return build, _settings(kind, setting), work / "m.db"


def _settings(kind: str, setting) -> dict:
    """Search functions by label: one per ef (HNSW) or nprobe (IVF) value."""
    if kind == "hnsw":
        return {f"ef={v}": setting(v) for v in HNSW_EF}
    if kind == "ivf":
        return {f"nprobe={v}": setting(v) for v in IVF_PROBES}
    return {"": setting(None)}


def run_one(backend: str, n: int, seed: int, work: Path) -> list[dict]:
    """Build one engine over ``n`` stand-in vectors and measure each search setting (in its own process)."""
    bases, queries, truth = (np.load(work / f) for f in ("bases.npy", "queries.npy", f"truth_{n}.npy"))
    engine, kind = backend.split("-")
    out = work / backend
    out.mkdir()
    build, searches, disk = (_faiss if engine == "faiss" else _milvus)(kind, bases, n, seed, out)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # build peak (vectors generated in batches)
    rows = []
    for label, search in searches.items():
        for q in queries[:5]:
            search(q)  # warm-up
        lat, recall = [], []
        for q, t in zip(queries, truth):
            t0 = time.perf_counter()
            got = search(q)
            lat.append(time.perf_counter() - t0)
            recall.append(len(set(list(got)[:10]) & set(t.tolist())) / 10)
        rows.append({"backend": f"{backend} {label}".strip(), "n": n, "build_s": build, "peak_rss_mb": rss,
                     "p50_ms": 1000 * float(np.percentile(lat, 50)), "p95_ms": 1000 * float(np.percentile(lat, 95)),
                     "recall_at_10": float(np.mean(recall)), "disk_mb": _disk(disk) / 1e6})
    return rows


def run_scale(out_dir: Path, sizes: list[int], settings, backends=BACKENDS, queries: int = 100, seed: int = 13,
              bases_n: int = 3000, timeout: float = 3600) -> dict:
    import tempfile

    from index.chunk import ChunkConfig, chunk_article
    from index.embed import get_embedder
    from index.load import load_corpus

    from ..dataset import DEFAULT_DATASET
    from .corpus import bench_queries, synthesize

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    emb = get_embedder("use-m3")
    results = []
    with tempfile.TemporaryDirectory(prefix="rag-scale-") as tmp:
        work = Path(tmp)
        # Real base vectors: chunks of a synthetic corpus (corpus.py), embedded for real (about 15 s).
        synth = synthesize(work / "corpus", target_chunks=bases_n, seed=seed, source=settings.corpus)
        cfg = ChunkConfig(settings.chunk_size, settings.chunk_overlap)
        arts, _ = load_corpus(synth.path)
        texts = list(dict.fromkeys(c.embed_text for a in arts for c in chunk_article(a, cfg)))
        bases = emb.embed_passages(texts)
        qv = emb.embed_queries(bench_queries(queries, settings.corpus, DEFAULT_DATASET))
        np.save(work / "bases.npy", bases)
        np.save(work / "queries.npy", qv)
        for n in sizes:
            np.save(work / f"truth_{n}.npy", exact_top(bases, qv, n, seed))
            for b in backends:
                print(f"[scale] {b} at {n:,} vectors ...", file=sys.stderr, flush=True)
                cmd = [sys.executable, "-m", "eval.bench.scale", b, str(n), str(seed), str(work)]
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                   env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
                if p.returncode:
                    results.append({"backend": b, "n": n, "error": p.stderr.strip().splitlines()[-1:]})
                else:
                    results.extend(json.loads(p.stdout.strip().splitlines()[-1]))
                print(f"[scale]   {results[-1]}", file=sys.stderr, flush=True)
                shutil.rmtree(work / b, ignore_errors=True)
    r = {"sizes": sizes, "bases": len(bases), "queries": len(qv), "dim": int(bases.shape[1]), "seed": seed,
         "sigma": SIGMA, "hnsw_ef": HNSW_EF, "ivf_probes": IVF_PROBES, "cores": os.cpu_count(), "results": results,
         "date": time.strftime("%Y-%m-%d")}
    (out_dir / "scale.json").write_text(json.dumps(r, indent=2), encoding="utf-8")
    write_scale_report(out_dir, r)
    return r


def write_scale_report(out_dir: Path, r: dict) -> None:
    rows = ["| backend | chunks | build s | peak RSS MiB | query p50 ms | p95 ms | recall@10 | disk MB |",
            "|---|---|---|---|---|---|---|---|"]
    for x in r["results"]:
        if "error" in x:
            rows.append(f"| {x['backend']} | {x['n']:,} | failed: {' '.join(x['error'])[:80]} |||||||")
        else:
            rows.append(f"| {x['backend']} | {x['n']:,} | {x['build_s']:.1f} | {x['peak_rss_mb']:.0f} | "
                        f"{x['p50_ms']:.2f} | {x['p95_ms']:.2f} | {x['recall_at_10']:.3f} | {x['disk_mb']:.0f} |")
    (out_dir / "scale.md").write_text(
        f"# rag bench --scale ({r['date']}, {r['cores']} cores)\n\n"
        f"{r['dim']}-d stand-in vectors from {r['bases']} real "
        f"USE vectors (sigma {r['sigma']}, seed {r['seed']}), {r['queries']} real queries, top {CANDIDATES} "
        f"candidates one query at a time; HNSW M=32 efConstruction=80, IVF nlist ~4 sqrt(n) (FAISS trains on "
        f"at most 100k vectors); ivfsq = IVF over 8-bit codes, candidates re-ranked exactly from the float32 "
        f"vectors on disk; ef and nprobe as labelled. Peak RSS is the whole building process, imports "
        f"included (Milvus Lite runs inside it).\n\n"
        + "\n".join(rows) + "\n", encoding="utf-8")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.5))
    names = list(dict.fromkeys(x["backend"] for x in r["results"]))
    colours = plt.get_cmap("tab20")  # more series than the default cycle's 10 colours
    for i, b in enumerate(names):
        pts = sorted((x["n"], x["p50_ms"]) for x in r["results"] if x["backend"] == b and "error" not in x)
        if pts:  # Milvus dashed, FAISS solid
            ax.plot(*zip(*pts), marker="o", label=b, color=colours(i % 20), linestyle="--" if "milvus" in b else "-")
    ax.set(xscale="log", yscale="log", xlabel="chunks", ylabel="query p50 (ms)", title="retrieval time vs corpus size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    fig.savefig(out_dir / "scale.png", dpi=110)
    plt.close(fig)


if __name__ == "__main__":  # one (backend, size) in its own process: python -m eval.bench.scale B N SEED WORK
    print(json.dumps(run_one(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))))
