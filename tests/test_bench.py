"""`rag bench`: corpus synthesizer, statistics helpers, and smoke runs that
check the output files are well-formed (never the timings themselves)."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from eval.bench import BenchConfig, run_bench
from eval.bench.corpus import ProxyEmbedder, bench_queries, synthesize
from eval.bench.stats import finite_numbers, percentile, summary
from index.chunk import chunk_article
from index.load import load_corpus
from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT / "data" / "articles"


# ---------------------------------------------------------------- helpers
def test_percentile_matches_numpy():
    xs = [0.3, 5.0, 1.2, 9.9, 2.2, 2.2, 7.1]
    for q in (0, 5, 25, 50, 90, 95, 100):
        assert percentile(xs, q) == pytest.approx(float(np.percentile(xs, q)))


def test_percentile_edges():
    assert percentile([4.0], 50) == 4.0
    assert percentile([1, 3], 50) == 2.0
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summary_and_finite_check():
    assert summary([2.0, 9.0, 1.0, 4.0]) == {"median": 3.0, "min": 1.0, "max": 9.0, "n": 4}
    assert finite_numbers({"a": 1.0, "b": [2, {"c": math.inf}]}) == ["b[1].c"]


# ---------------------------------------------------------------- synthesizer
def _files(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())}


def test_synthesizer_is_deterministic_and_reaches_size(tmp_path):
    a = synthesize(tmp_path / "a", 120, seed=5, source=ARTICLES)
    b = synthesize(tmp_path / "b", 120, seed=5, source=ARTICLES)
    c = synthesize(tmp_path / "c", 120, seed=6, source=ARTICLES)
    assert _files(a.path) == _files(b.path)
    assert _files(a.path) != _files(c.path)
    assert 120 <= a.chunks < 120 + a.max_article_chunks
    # the reported count is what the real loader and chunker produce
    articles, skipped = load_corpus(a.path)
    assert not skipped and len(articles) == a.articles
    assert sum(len(chunk_article(x)) for x in articles) == a.chunks
    assert a.unique_chunks >= 0.95 * a.chunks
    assert all(any("\u0621" <= ch <= "\u064a" for ch in x.text) for x in articles)


def test_smaller_corpus_is_prefix_of_larger(tmp_path):
    small = synthesize(tmp_path / "s", 50, source=ARTICLES)
    big = synthesize(tmp_path / "b", 200, source=ARTICLES)
    assert big.files[: len(small.files)] == small.files
    for name in small.files:
        assert (small.path / name).read_text(encoding="utf-8") == (big.path / name).read_text(encoding="utf-8")


def test_synthesize_exact_article_count(tmp_path):
    c = synthesize(tmp_path / "n", seed=1, source=ARTICLES, articles=7)
    assert c.articles == 7 == len(list(c.path.iterdir()))


def test_queries_and_proxy_embedder():
    qs = bench_queries(30, ARTICLES)
    assert len(qs) == 30 and qs == bench_queries(30, ARTICLES)

    class Fake:
        id, dim = "use-m3", 4

        def embed_queries(self, texts):
            return np.ones((len(texts), 4), dtype=np.float32) / 2

    known = {"x": np.array([1, 0, 0, 0], dtype=np.float32), "y": np.array([0, 1, 0, 0], dtype=np.float32)}
    p = ProxyEmbedder(Fake(), known)
    v = p.embed_passages(["x", "new text", "new text"])
    assert np.allclose(v[0], known["x"]) and np.allclose(v[1], v[2])
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0) and p.proxied == 2
    assert p.embed_queries(["q"]).shape == (1, 4)


# ---------------------------------------------------------------- smoke runs
def _check_outputs(out: Path, sections: tuple[str, ...]) -> dict:
    data = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    assert finite_numbers(data) == []
    for key in ("machine", "config", "targets", "notes", "duration_s", "mode"):
        assert key in data
    m = data["machine"]
    assert m["cores"] >= 1 and m["cpu"] and m["ram_gib"] > 0
    assert data["duration_s"] > 0
    if "build" in sections:
        assert [b["vectors"] for b in data["build"]] == ["real", "proxy"]
        for b in data["build"]:
            assert b["chunks"] > 0 and b["chunks_per_s"] > 0 and b["total_s"]["median"] > 0
        assert data["build"][0]["raw_chunks_per_s"] > 0 and data["build"][0]["overhead_ratio"] > 0
        assert data["build"][1]["total_estimated_s"] > 0
    if "retrieval" in sections:
        for r in data["retrieval"]:
            assert r["stages"]["total"]["p50"]["median"] > 0 and r["raw"]["total"]["p95"]["median"] > 0
            assert r["ratio_total_vs_raw"] > 0
        assert [a["vectors"] for a in data["ann"]] == ["real", "proxy"]
        for a in data["ann"]:
            assert set(a["types"]) == {"flat", "flat, 1 thread", "hnsw", "ivf"}
            assert all(0 <= t["recall_at_10"] <= 1 for t in a["types"].values())
            assert a["types"]["flat"]["recall_at_10"] == 1.0
    if "incremental" in sections:
        inc = data["incremental"]
        assert inc["full_s"]["median"] > 0 and inc["incremental_s"]["median"] > 0 and inc["fraction"] > 0
    if "generation" in sections:
        g = data["generation"]
        assert g["questions"] >= 1
        for k in ("assistant_ttft_s", "bare_ttft_s", "assistant_tokens_per_s", "bare_tokens_per_s"):
            assert g[k]["median"] > 0
        assert g["kv_cache"]["ttft_cold_s"]["median"] > 0
    if "memory" in sections:
        assert data["memory"]["rag_ask"]["peak_rss_mb"] > 0 and data["memory"]["rag_ask"]["exit"] == 0
        assert data["memory"]["chat"]["peak_rss_mb"] > 0
    if "load" in sections:
        ld = data["load"]
        assert ld["requests"] == ld["clients"] * ld["per_client"]
        assert ld["outcomes"].get("answered", 0) + ld["outcomes"].get("abstained", 0) == ld["requests"]
        assert sum(ld["burst"]["outcomes"].values()) == ld["burst"]["submitted"] and ld["burst"]["served_after"]
        assert ld["answer_p95_s"] > 0 and ld["peak_rss_mb"] > 0
        cb = ld["crowd_burst"]
        assert sum(cb["outcomes"].values()) == cb["clients"]
        one, four = ld["answer_concurrency"]["rows"]  # a chat on a (stand-in) LLM server
        for row in (one, four):
            assert row["outcomes"] == {"generative": row["clients"]}, row
        # the setting holds at the server: one answer at a time, or several together
        assert one["most_in_flight"] == 1 and four["most_in_flight"] >= 2, (one, four)
        assert "### Answers at once with an LLM server" in (out / "bench.md").read_text(encoding="utf-8")
    if "models" in sections:
        mc, sw = data["models"]["model_choice"], data["models"]["switching"]
        # only the offered name answers; every path spelling gets the same refusal; no model copy is loaded
        assert mc["answered"] == 1 and len(mc["refusals"]) == 1 and mc["rss_growth_mb"] < 150, mc
        # three offered GGUFs chosen in turn: the default plus one other loaded, never three
        assert sw["failed"] == 0 and sw["choices"] == 3 * sw["rounds"], sw
        assert sw["rss_max_mb"] < sw["rss_start_mb"] + 1.5 * sw["model_mb"] + 100, sw
    md = (out / "bench.md").read_text(encoding="utf-8")
    assert md.startswith("# rag bench") and "cores" in md and "## Targets" in md
    assert (out / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return data


def _tiny(sections) -> BenchConfig:
    return BenchConfig("tiny", sizes=(40, 100), build_repeats=(1, 1), real_embed_max=40, incremental_articles=4,
                       incremental_repeats=1, queries=12, passes=1, gen_questions=1, gen_max_tokens=12, kv_pairs=1,
                       memory_questions=2, load_clients=3, load_per_client=2, load_burst=70, load_crowd=70,
                       model_rounds=1, concurrency_clients=3, concurrency_real=False, sections=sections)


def test_bench_smoke_index_parts(tmp_path):
    sections = ("build", "incremental", "retrieval")
    data = run_bench(tmp_path / "out", True, Settings(), config=_tiny(sections))
    assert data["mode"] == "tiny"
    _check_outputs(tmp_path / "out", sections)


@pytest.mark.slow
def test_bench_models_section_switching_stays_bounded(tmp_path):
    """The benchmark's model-choice test switches between offered GGUFs (it
    tried only refused spellings and one model, so it could not see a leak)."""
    sections = ("models",)
    run_bench(tmp_path / "out", True, Settings(), config=_tiny(sections))
    _check_outputs(tmp_path / "out", sections)


@pytest.mark.slow
def test_bench_smoke_everything(tmp_path):
    sections = ("build", "incremental", "retrieval", "generation", "memory", "load", "models")
    run_bench(tmp_path / "out", True, Settings(), config=_tiny(sections))
    _check_outputs(tmp_path / "out", sections)
