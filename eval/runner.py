"""`rag eval`: retrieval ablation, analyzer comparison, abstention calibration
and answer/citation metrics for any dataset in the documented format."""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path

from index.arabic import detect_language, normalize
from index.embed import get_embedder
from index.lexical import ANALYZERS, LexicalIndex
from index.load import load_corpus
from index.store import IndexStore
from rag.answer import MODES, Assistant
from rag.cite import parse_markers
from rag.retrieve import MODES as RETRIEVERS
from rag.retrieve import Retriever, make_retriever
from rag.rewrite import rewrite_rule
from rag.settings import Settings
from rag.stores import open_store

from . import metrics
from .dataset import DEFAULT_DATASET, EvalItem, load_dataset, missing_evidence
from .report import write_report

CURVE_K = 10


def _bar(iterable, total: int, desc: str, show: bool):
    if not show:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit="q", file=sys.stderr)


def _retrieval_rows(retriever: Retriever, items: list[EvalItem], relevant_rows, k: int, show: bool, desc: str,
                    turns: dict[str, list[tuple[str, str]]] | None = None):
    rows = {}
    for it in _bar(items, len(items), desc, show):
        t0 = time.perf_counter()
        # A follow-up is searched as the chat searches it: rewritten from the earlier questions
        # (and, with ``turns``, the answers the system gave them).
        history = (turns or {}).get(it.id) or [(h, "") for h in it.history]
        query = rewrite_rule(it.question, history) if it.history else it.question
        res = retriever.search(query, k=max(k, CURVE_K))
        total = time.perf_counter() - t0
        rel_rows = relevant_rows.get(it.id, set())
        rel = [h.chunk.id in rel_rows for h in res.hits]
        rows[it.id] = {"res": res, "rel": rel, "total": total, "rewritten": query != it.question}
    return rows


def _chat_turns(settings: Settings, store, items: list[EvalItem]) -> dict[str, list[tuple[str, str]]]:
    """Each follow-up's earlier turns as the chat holds them: every earlier
    question with the answer the system gave it, asked after the turns before
    it (extractive answers: the same on every machine)."""
    assistant = Assistant(settings.replace(mode="extractive"), store=store)
    said: dict[tuple[str, ...], str] = {}
    out = {}
    for it in items:
        turns: list[tuple[str, str]] = []
        for i, q in enumerate(it.history):
            if it.history[: i + 1] not in said:
                said[it.history[: i + 1]] = assistant.ask(q, history=list(turns), mode="extractive").text
            turns.append((q, said[it.history[: i + 1]]))
        if turns:
            out[it.id] = turns
    return out


def _conversation_metrics(rows, items, k, relevant_rows) -> dict | None:
    """Questions asked after earlier turns: follow-ups (category ``followup``)
    must be rewritten and found; questions that stand alone must not be
    rewritten («ما هي عاصمة البرازيل؟» once carried «(الزيارة)» along)."""
    turns = [it for it in items if it.history]
    if not turns:
        return None
    follow = [it for it in turns if it.category == "followup"]
    alone = [it for it in turns if it.category != "followup"]
    found = [it for it in follow if it.answerable and relevant_rows.get(it.id)]
    # asked in another language than the turn before it («ومتى كانت الزيارة؟» after an English question)
    mixed = [it for it in found if detect_language(it.question) != detect_language(it.history[-1])]
    return {
        "followups_mixed_language": len(mixed),
        "followup_recall_at_k_mixed_language":
            (sum(metrics.recall_at(rows[it.id]["rel"], k) for it in mixed) / len(mixed)) if mixed else None,
        "followups": len(follow), "followups_rewritten": sum(rows[it.id]["rewritten"] for it in follow),
        "followup_recall_at_k":
            (sum(metrics.recall_at(rows[it.id]["rel"], k) for it in found) / len(found)) if found else None,
        "three_turn": sum(len(it.history) >= 2 for it in follow),
        "standalone_mid_conversation": len(alone),
        "standalone_rewritten": sum(rows[it.id]["rewritten"] for it in alone),
    }


def _retrieval_metrics(rows, items, k, relevant_rows) -> dict:
    scored = [it for it in items if it.answerable and relevant_rows.get(it.id)]
    if not scored:
        return {}
    rel = {it.id: rows[it.id]["rel"] for it in scored}
    return {
        "recall_at_k": sum(metrics.recall_at(rel[i.id], k) for i in scored) / len(scored),
        "mrr": sum(metrics.reciprocal_rank(rel[i.id][:k]) for i in scored) / len(scored),
        "ndcg_at_k": sum(metrics.ndcg_at(rel[i.id], k, len(relevant_rows[i.id])) for i in scored) / len(scored),
        "curve": [sum(metrics.recall_at(rel[i.id], j) for i in scored) / len(scored) for j in range(1, CURVE_K + 1)],
        "n": len(scored),
    }


def _answer_row(ans, it: EvalItem) -> dict:
    shown = len(ans.passages)
    raw_markers = [n for _, _, ns in parse_markers(ans.raw or ans.text) for n in ns]
    final_markers = [n for _, _, ns in parse_markers(ans.text) for n in ns]
    cited_ok = [metrics.contains_any(c.text, it.evidence + it.answers) for c in ans.citations]
    return {
        "answer": ans.text, "raw": ans.raw, "mode_used": ans.mode, "model": ans.model, "abstained": ans.abstained,
        "query": ans.query, "notices": [n.code.value for n in ans.notices], "confidence": ans.confidence,
        "contains": (not ans.abstained) and metrics.contains_any(ans.text, it.answers) if it.answerable else None,
        "raw_contains": bool(ans.raw) and metrics.contains_any(ans.raw, it.answers) if it.answerable else None,
        "f1": (metrics.token_f1(ans.text, it.answers) if it.answerable and not ans.abstained
               else (0.0 if it.answerable else None)),
        "citations": [{"n": c.n, "chunk_id": c.chunk_id, "supports": ok, "inferred": c.inferred}
                      for c, ok in zip(ans.citations, cited_ok)],
        "markers_valid": sum(1 <= n <= shown for n in final_markers), "markers": len(final_markers),
        "raw_markers_valid": sum(1 <= n <= shown for n in raw_markers), "raw_markers": len(raw_markers),
        "unsupported_sentences": sum(not s.supported for s in ans.sentences),
        "rejected_sentences": ans.rejected, "why_abstained": ans.why_abstained, "why_mode": ans.why_mode,
        "timings": ans.timings,
    }


def _answer_metrics(rows: dict, items: list[EvalItem]) -> dict:
    ans_items = [it for it in items if it.answerable]
    un_items = [it for it in items if not it.answerable]
    markers = sum(r["markers"] for r in rows.values())
    raw_markers = sum(r["raw_markers"] for r in rows.values())
    cites = [c for r in rows.values() for c in r["citations"]]
    prec, rec = metrics.precision_recall([rows[i.id]["abstained"] for i in items], [not i.answerable for i in items])
    shown = [i for i in ans_items if not rows[i.id]["abstained"]]
    kept_gen = [i for i in ans_items if rows[i.id]["mode_used"] == "generative" and not rows[i.id]["abstained"]]
    by_cat: dict[str, dict] = {}
    for it in items:
        c = by_cat.setdefault(it.category, {"n": 0, "right": 0, "wrong_shown": 0, "abstained": 0})
        r = rows[it.id]
        c["n"] += 1
        c["abstained"] += bool(r["abstained"])
        if it.answerable:
            c["right"] += bool(r["contains"])
            c["wrong_shown"] += (not r["abstained"]) and not r["contains"]
    return {
        "containment": sum(bool(rows[i.id]["contains"]) for i in ans_items) / max(1, len(ans_items)),
        # answered (not abstained) with no gold answer in the text: the worst outcome
        "wrong_shown": sum(not rows[i.id]["contains"] for i in shown) / max(1, len(ans_items)),
        "wrong_shown_n": sum(not rows[i.id]["contains"] for i in shown),
        "unanswerable_answered": sum(not rows[i.id]["abstained"] for i in un_items),
        "generative_kept": len(kept_gen),
        "generative_kept_right":
            (sum(bool(rows[i.id]["contains"]) for i in kept_gen) / len(kept_gen)) if kept_gen else None,
        "rejected_sentences": sum(r["rejected_sentences"] for r in rows.values()),
        "by_category": by_cat,
        "token_f1": sum(rows[i.id]["f1"] for i in ans_items) / max(1, len(ans_items)),
        "raw_containment": sum(bool(rows[i.id]["raw_contains"]) for i in ans_items) / max(1, len(ans_items)),
        "citations_valid": (sum(r["markers_valid"] for r in rows.values()) / markers) if markers else None,
        "citations_raw_valid":
            (sum(r["raw_markers_valid"] for r in rows.values()) / raw_markers) if raw_markers else None,
        "citations_precision": (sum(c["supports"] for c in cites) / len(cites)) if cites else None,
        "abstention_precision": prec, "abstention_recall": rec,
        "false_abstention": sum(rows[i.id]["abstained"] for i in ans_items) / max(1, len(ans_items)),
        "fallbacks": sum(r["mode_used"] != "generative" and not r["abstained"] for r in rows.values()),
        "unsupported_sentences": sum(r["unsupported_sentences"] for r in rows.values()),
        "n": len(items), "n_unanswerable": len(un_items),
        "latency": {key: metrics.percentiles(r["timings"].get(key) for r in rows.values())
                    for key in ("retrieve", "ttft", "first_checked", "generate", "extract", "check", "total")},
    }


def run_eval(settings: Settings, dataset: Path | None = None, out: Path = Path("runs/eval"),
             retrieval_only: bool = False, modes: list[str] | None = None, limit: int | None = None,
             show_progress: bool = True) -> dict:
    dataset = Path(dataset or DEFAULT_DATASET)
    items = load_dataset(dataset)[:limit] if limit else load_dataset(dataset)
    k = settings.k
    store = open_store(settings)
    texts = [a.text for a in load_corpus(settings.corpus)[0]] if Path(settings.corpus).is_dir() else []
    texts = texts or [c.text for c in store.chunks]
    by_id = {it.id: it for it in items}
    missing = missing_evidence(items, texts)
    # Scored with the evidence that remains; left out only when none does.
    unscorable = {q for q, gone in missing.items() if len(gone) == len(by_id[q].evidence)} if missing else set()
    if unscorable:
        print(f"warning: evidence not found in the corpus for {len(unscorable)} question(s); they are reported, "
              "not scored: " + ", ".join(sorted(unscorable)), file=sys.stderr)
    if set(missing) - unscorable:
        print("warning: some evidence strings were not found in the corpus (scored with the others): "
              + ", ".join(sorted(set(missing) - unscorable)), file=sys.stderr)

    norm_chunks = [normalize(c.text) for c in store.chunks]
    relevant = {
        it.id: {c.id for c, t in zip(store.chunks, norm_chunks) if any(normalize(e) in t for e in it.evidence)}
        for it in items if it.answerable and it.id not in unscorable
    }
    embedder = get_embedder(store.embedder_id)

    def retriever(mode: str, st: IndexStore = store) -> Retriever:
        return make_retriever(st, settings, embedder, mode)

    retrieval, rows_by = {}, {}
    for mode in RETRIEVERS:
        rows_by[mode] = _retrieval_rows(retriever(mode), items, relevant, k, show_progress, f"retrieve:{mode}")
        retrieval[mode] = _retrieval_metrics(rows_by[mode], items, k, relevant)

    analyzers = {}
    for name in ANALYZERS:
        lex = LexicalIndex.build([c.text for c in store.chunks], name)
        alt = dataclasses.replace(store, _lexical=lex)
        analyzers[name] = {m: _retrieval_metrics(_retrieval_rows(retriever(m, alt), items, relevant, k, False, ""),
                                                 items, k, relevant).get("recall_at_k") for m in ("bm25", "hybrid")}

    hybrid = rows_by["hybrid"]
    conversations = _conversation_metrics(hybrid, items, k, relevant)
    if conversations:  # the same follow-ups with the earlier answers in the history, as in the chat
        multi = [it for it in items if it.history]
        chat = _retrieval_rows(retriever("hybrid"), multi, relevant, k, False, "",
                               _chat_turns(settings, store, multi))
        conversations["with_answers"] = _conversation_metrics(chat, multi, k, relevant)
    conf = [hybrid[i.id]["res"].confidence for i in items]
    truth = [i.answerable for i in items]
    abst_pred = [not hybrid[i.id]["res"].answerable for i in items]
    a_prec, a_rec = metrics.precision_recall(abst_pred, [not t for t in truth])
    by_category: dict[str, dict] = {}
    for it in items:
        cat = by_category.setdefault(it.category, {"n": 0, "hits": 0, "scored": 0})
        cat["n"] += 1
        if it.id in relevant and relevant[it.id]:
            cat["scored"] += 1
            cat["hits"] += metrics.recall_at(hybrid[it.id]["rel"], k)
    for cat in by_category.values():
        cat["recall_at_k"] = cat["hits"] / cat["scored"] if cat["scored"] else None

    answers: dict[str, dict] = {}
    answer_rows: dict[str, dict] = {}
    if not retrieval_only:
        for mode in modes or list(MODES):
            assistant = Assistant(settings, store=store)
            rows = {}
            for it in _bar(items, len(items), f"answer:{mode}", show_progress):
                history = [(h, "") for h in it.history]  # earlier turns: the questions are what a rewrite uses
                rows[it.id] = _answer_row(assistant.ask(it.question, history=history, mode=mode, k=k), it)
            answer_rows[mode] = rows
            answers[mode] = _answer_metrics(rows, items)
            answers[mode]["model"] = ", ".join(
                sorted({r["model"] for r in rows.values() if r["mode_used"] == "generative"})) or "extractive"

    summary = {
        "dataset": str(dataset), "k": k, "n_questions": len(items),
        "n_answerable": sum(truth), "n_unanswerable": len(items) - sum(truth),
        "index": {"store": settings.store, "embedder": store.embedder_id, "chunks": len(store.chunks),
                  "analyzer": store.lexical.analyzer, "chunker": store.manifest.get("chunker")},
        "evidence_missing": missing,
        "conversations": conversations,
        "retrieval": {**{key: retrieval["hybrid"].get(key) for key in ("recall_at_k", "mrr", "ndcg_at_k")},
                      "by_retriever": retrieval, "by_category": by_category, "analyzers": analyzers},
        "abstention_retrieval": {"threshold": settings.answerable_threshold, "precision": a_prec, "recall": a_rec,
                                 "calibrated": metrics.calibrate_threshold(conf, truth)},
        "latency": {"retrieval_" + key: metrics.percentiles(hybrid[i.id]["res"].timings.get(key) for i in items)
                    for key in ("embed", "dense", "bm25", "fusion")}
                   | {"retrieval_total": metrics.percentiles(hybrid[i.id]["total"] for i in items)},
    }
    if answers:
        from .checker import check_labelled

        summary["checker"] = check_labelled(settings, store)
        if Path(settings.corpus).is_dir():
            from .injection import run_injection

            summary["injection"] = run_injection(settings, Path(settings.corpus), list(answers), store.embedder_id)
        main = settings.mode if settings.mode in answers else next(iter(answers))
        a = answers[main]
        summary["answer"] = {"mode": main, "containment": a["containment"], "wrong_shown": a["wrong_shown"],
                             "token_f1": a["token_f1"], "by_mode": answers}
        summary["citations"] = {"valid": a["citations_valid"], "precision": a["citations_precision"]}
        summary["abstention"] = {"precision": a["abstention_precision"], "recall": a["abstention_recall"],
                                 "false_abstention": a["false_abstention"]}
        for mode, a in answers.items():
            summary["latency"].update({f"{mode}_{key}": v for key, v in a["latency"].items() if v})
    summary["headline"] = {
        "recall_at_k": {m: retrieval[m].get("recall_at_k") for m in RETRIEVERS},
        "mrr": retrieval["hybrid"].get("mrr"),
        "abstention_from_retrieval": {"precision": a_prec, "recall": a_rec},
        **({"answer": {m: {"containment": a["containment"], "wrong_shown": a["wrong_shown"],
                           "generative_kept": a["generative_kept"], "generative_kept_right": a["generative_kept_right"],
                           "citations_valid": a["citations_valid"],
                           "citations_precision": a["citations_precision"], "abstention_recall": a["abstention_recall"],
                           "false_abstention": a["false_abstention"]} for m, a in answers.items()}} if answers else {}),
    }

    out.mkdir(parents=True, exist_ok=True)
    with (out / "results.jsonl").open("w", encoding="utf-8") as fh:
        for it in items:
            h = hybrid[it.id]
            line = {
                "id": it.id, "question": it.question, "category": it.category, "answerable": it.answerable,
                "evidence_missing": missing.get(it.id, []),
                "retrieved": [{"chunk_id": x.chunk.id, "score": round(x.score, 6), "relevant": r}
                              for x, r in zip(h["res"].hits, h["rel"])],
                "first_relevant_rank": {m: metrics.first_relevant_rank(rows_by[m][it.id]["rel"]) for m in RETRIEVERS},
                "confidence": round(h["res"].confidence, 4), "retrieval_answerable": h["res"].answerable,
                "answers": {m: rows[it.id] for m, rows in answer_rows.items()},
            }
            fh.write(json.dumps(line, ensure_ascii=False, default=float) + "\n")
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=float),
                                      encoding="utf-8")
    write_report(out, summary, items, rows_by, answer_rows, k)
    return summary
