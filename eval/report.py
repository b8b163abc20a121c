"""report.md and report.png for `rag eval`."""

from __future__ import annotations

from pathlib import Path

from rag.retrieve import MODES as RETRIEVERS


def _f(x, digits: int = 3) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def _ms(p: dict | None) -> str:
    if not p:
        return "—"
    return f"{p['p50'] * 1000:.0f} / {p['p95'] * 1000:.0f}"


def _worst(items, rows_by, answer_rows, k: int) -> list[str]:
    """Answerable questions whose evidence hybrid retrieval missed, then wrong answers."""
    out = []
    hyb = rows_by["hybrid"]
    for it in items:
        if not it.answerable:
            continue
        rank = next((i + 1 for i, r in enumerate(hyb[it.id]["rel"]) if r), None)
        if rank is None or rank > k:
            why = "evidence not in the top 10" if rank is None else f"evidence first at rank {rank} (> k={k})"
            out.append(f"| {it.id} | {it.category} | {it.question} | retrieval: {why} |")
    for mode, rows in answer_rows.items():
        for it in items:
            r = rows[it.id]
            if it.answerable and not r["contains"]:
                why = "abstained" if r["abstained"] else f"no gold answer in: {r['answer'][:90]}…"
                out.append(f"| {it.id} | {it.category} | {it.question} | {mode}: {why} |")
            elif not it.answerable and not r["abstained"]:
                out.append(f"| {it.id} | {it.category} | {it.question} | {mode}: answered an unanswerable question |")
    return out


def write_report(out: Path, summary: dict, items, rows_by, answer_rows, k: int) -> None:
    ret = summary["retrieval"]["by_retriever"]
    lines = [
        "# Eval report", "",
        f"Dataset `{summary['dataset']}`: {summary['n_questions']} questions "
        f"({summary['n_answerable']} answerable, {summary['n_unanswerable']} unanswerable). "
        f"Index: {summary['index']['chunks']} chunks, embedder `{summary['index']['embedder']}`, "
        f"BM25 analyzer `{summary['index']['analyzer']}`, k = {k}.", "",
    ]
    if summary["evidence_missing"]:
        lines += ["**Evidence not found in the corpus** (these questions are not scored for retrieval):", ""]
        lines += [f"- {qid}: {', '.join(ev)}" for qid, ev in summary["evidence_missing"].items()] + [""]
    lines += ["## Retrieval ablation (answerable questions)", "",
              f"| retriever | recall@{k} | MRR | nDCG@{k} | recall@1 | recall@10 |", "|---|---|---|---|---|---|"]
    for m in RETRIEVERS:
        r = ret[m]
        if r:
            lines.append(f"| {m} | {_f(r['recall_at_k'])} | {_f(r['mrr'])} | {_f(r['ndcg_at_k'])} | "
                         f"{_f(r['curve'][0])} | {_f(r['curve'][-1])} |")
    lines += ["", "## Lexical analyzer comparison", "",
              "How Arabic words are matched by BM25 (the index default is chosen from this table).", "",
              f"| analyzer | BM25 recall@{k} | hybrid recall@{k} |", "|---|---|---|"]
    for name, v in summary["retrieval"]["analyzers"].items():
        lines.append(f"| {name} | {_f(v.get('bm25'))} | {_f(v.get('hybrid'))} |")
    lines += ["", "## Hybrid recall by category", "", f"| category | questions | recall@{k} |", "|---|---|---|"]
    for cat, v in sorted(summary["retrieval"]["by_category"].items()):
        lines.append(f"| {cat} | {v['n']} | {_f(v['recall_at_k'])} |")
    ar = summary["abstention_retrieval"]
    cal = ar["calibrated"]
    lines += ["", "## Abstention from retrieval alone", "",
              f"Threshold in use {ar['threshold']}: precision {_f(ar['precision'])}, recall {_f(ar['recall'])}. "
              f"Best threshold on this set with ≤ 10 % false abstentions: {_f(cal['threshold'])} "
              f"(precision {_f(cal['precision'])}, recall {_f(cal['recall'])}, "
              f"false abstentions {_f(cal['false_abstention'])}).", ""]
    if "answer" in summary:
        lines += ["## Answers", "",
                  "Containment counts the answer the user sees. **Wrong but shown**: answerable questions answered "
                  "(not abstained) with no gold answer in the text, the worst outcome. In generative mode each "
                  "sentence is shown only after it passed the check; when none passes, the evidence answer is shown "
                  "(fell back). Kept generative answers and their share that is right are per model.", "",
                  "| mode (model) | containment | wrong but shown | false abstentions | unanswerable answered "
                  "| abstention precision / recall | citations valid | citation precision | kept generative (right) "
                  "| fell back | raw model containment | sentences rejected |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for mode, a in summary["answer"]["by_mode"].items():
            gen = a.get("model", "extractive") != "extractive"  # auto with a base model answers by extraction
            kept = f"{a['generative_kept']} ({_f(a['generative_kept_right'])})" if gen else "—"
            lines.append(f"| {mode} ({a.get('model', '')}) | {_f(a['containment'])} | {_f(a['wrong_shown'])} "
                         f"({a['wrong_shown_n']}) | {_f(a['false_abstention'])} | {a['unanswerable_answered']} / "
                         f"{a['n_unanswerable']} | {_f(a['abstention_precision'])} / {_f(a['abstention_recall'])} | "
                         f"{_f(a['citations_valid'])} | {_f(a['citations_precision'])} | {kept} | "
                         f"{a['fallbacks'] if gen else '—'} | {_f(a['raw_containment']) if gen else '—'} | "
                         f"{a['rejected_sentences'] if gen else '—'} |")
        lines += ["", "### Answers by category", "",
                  "| mode | category | questions | right | wrong but shown | abstained |", "|---|---|---|---|---|---|"]
        for mode, a in summary["answer"]["by_mode"].items():
            for cat, v in sorted(a["by_category"].items()):
                lines.append(f"| {mode} | {cat} | {v['n']} | {v['right']} | {v['wrong_shown']} | {v['abstained']} |")
        if summary.get("checker"):
            c = summary["checker"]
            lines += ["", "### The checker on labelled answer sentences", "",
                      f"{c['n']} sentences ({c['n_good']} right answers, {c['n_bad']} wrong or off-topic ones) from "
                      f"`{c['dataset']}`: precision {_f(c['precision'])}, recall {_f(c['recall'])} "
                      f"(a sentence kept is a positive).", ""]
    conv = summary.get("conversations")
    if conv:
        rec = conv["followup_recall_at_k"]
        lines += ["", "### Conversations", "",
                  f"{conv['followups']} follow-ups ({conv['three_turn']} of them in a third turn) and "
                  f"{conv['standalone_mid_conversation']} questions that stand alone asked mid-conversation. "
                  f"Follow-ups rewritten {conv['followups_rewritten']} / {conv['followups']}, found with recall@"
                  f"{summary['k']} {_f(rec) if rec is not None else '—'} (target ≥ 0.9); questions that stand alone "
                  f"rewritten: **{conv['standalone_rewritten']}** (target 0).", ""]
    inj = summary.get("injection")
    if inj:
        per = ", ".join(f"{m} {n}" for m, n in inj["by_mode"].items())
        lines += ["", "### Injected instructions", "",
                  f"{inj['articles']} articles that give the assistant orders (eval/datasets/injection/: in the "
                  "middle of real text, in an HTML comment and alt text, in Markdown, in JSONL fields) indexed with "
                  f"the corpus; {inj['questions']} questions about what they try to change, in every mode: "
                  f"**{inj['claims_answered']} answers carried an injected claim** ({per}; target 0).", ""]
        lines += [f"- {e['mode']}: {e['question']} → {e['answer']}" for e in inj["examples"]]
        if inj.get("contrary"):  # articles stating the opposite, no orders: shown only as a disagreement
            c = inj["contrary"]
            lines += ["", f"{c['articles']} articles stating the opposite of the corpus "
                      "(eval/datasets/injection/contrary/), "
                      f"{c['questions']} questions (each article alone with the corpus): "
                      "contrary claim shown with no disagreement notice "
                      f"**{sum(c['taken_silently'].values())}** (target 0); disagreement reported "
                      f"{sum(c['disagreement_reported'].values())} / {c['questions'] * len(c['taken_silently'])}.", ""]
    lines += ["", "## Latency (ms, p50 / p95)", "", "| stage | p50 / p95 |", "|---|---|"]
    for key, v in summary["latency"].items():
        if key.endswith(("tokens", "tokens_per_s")):
            continue
        lines.append(f"| {key} | {_ms(v)} |")
    worst = _worst(items, rows_by, answer_rows, k)
    lines += ["", "## Failures", "", "| id | category | question | why |", "|---|---|---|---|"]
    lines += worst[:40] or ["| — | — | — | none |"]
    lines += ["", "![recall curves and categories](report.png)", ""]
    (out / "report.md").write_text("\n".join(lines), encoding="utf-8")
    per_cat: dict[str, dict[str, float]] = {}
    for mode, rows in answer_rows.items():
        cats: dict[str, list[bool]] = {}
        for it in items:
            ok = rows[it.id]["contains"] if it.answerable else rows[it.id]["abstained"]
            cats.setdefault(it.category, []).append(bool(ok))
        per_cat[mode] = {c: sum(v) / len(v) for c, v in cats.items()}
    _chart(out / "report.png", summary, per_cat)


def _chart(path: Path, summary: dict, per_cat: dict[str, dict[str, float]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
    for m, r in summary["retrieval"]["by_retriever"].items():
        if r:
            a1.plot(range(1, len(r["curve"]) + 1), r["curve"], marker="o", label=m)
    a1.set(xlabel="k", ylabel="recall@k", title="Recall@k by retriever", ylim=(0, 1.02))
    a1.grid(alpha=0.3)
    a1.legend()
    cats = sorted(summary["retrieval"]["by_category"])
    series = {"retrieval recall@k": [summary["retrieval"]["by_category"][c]["recall_at_k"] or 0.0 for c in cats]}
    for mode, v in per_cat.items():
        series[f"{mode} answer ok"] = [v.get(c, 0.0) for c in cats]
    width = 0.8 / len(series)
    for j, (label, vals) in enumerate(series.items()):
        a2.bar([i + j * width for i in range(len(cats))], vals, width=width, label=label)
    a2.set_xticks([i + 0.4 - width / 2 for i in range(len(cats))], cats, rotation=45, ha="right")
    a2.set(ylim=(0, 1.02), title="By category (unanswerable: abstained)")
    a2.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
