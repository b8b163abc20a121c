"""`rag eval --squad FILE [--seed N]`: the default answer on articles nobody
tuned for, cross-validated by article (eval/squad.py makes the folder and the
three kinds of question; eval/selector_fit.py trains and scores).

Writes summary.json, results.jsonl, report.md and report.png (the
risk–coverage curve) to ``out``.  Besides the learned selector, the same
questions are answered by the hand rules (``selector = "rules"``) and by the
plain word-overlap reader, so each row of the report is a comparison made in
one run.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from pathlib import Path

from rag.answer import Assistant
from rag.retrieve import make_retriever
from rag.settings import Settings

from . import selector_fit as sf
from .candidates import Question, bundled_questions, squad_questions
from .dataset import DEFAULT_DATASET
from .metrics import right
from .squad import SquadItem, load_squad
from .train_selector import KEPT_RULES

RETRIEVAL_GRID = ({"retriever": "hybrid"}, {"retriever": "bm25"}, {"retriever": "dense"},
                  {"retriever": "hybrid", "rrf_k": 30}, {"retriever": "hybrid", "rrf_k": 60},
                  {"retriever": "hybrid", "dense_weight": 0.5}, {"retriever": "hybrid", "dense_weight": 2.0})


def english_items(path: Path, split) -> list[SquadItem]:
    """English versions of dev questions (eval/datasets/arcd/arcd_en.jsonl), each
    taking the kind and fold of its Arabic original."""
    by_id = {it.id: it for it in split.items}
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        twin = by_id.get(str(obj["id"]))
        if twin is not None:
            out.append(replace(twin, id=f"en-{twin.id}", question=obj["question"]))
    return out


def _overlap_reader(q: Question) -> str:
    """The 20-line baseline: the candidate sharing most question words, no abstention."""
    if not q.cands:
        return ""
    return max(q.cands, key=lambda c: c.lexical).text


def _retrieval(settings: Settings, qs: list[Question], k: int) -> list[dict]:
    from index.arabic import normalize
    from rag.stores import open_store

    store = open_store(settings)
    rows = []
    ans = [q for q in qs if q.kind == "answerable"]
    for change in RETRIEVAL_GRID:
        r = make_retriever(store, settings.replace(**change))
        hits = 0
        for q in ans:
            res = r.search(q.question, k=k)
            hits += any(normalize(a) in normalize(h.chunk.text) for h in res.hits for a in q.answers)
        rows.append({**change, "recall_at_k": round(hits / max(1, len(ans)), 4)})
    return rows


def _rules_baseline(settings: Settings, qs: list[Question]) -> list[sf.Outcome]:
    a = Assistant(settings.replace(selector="rules"))
    out = []
    for q in qs:
        ans = a.ask(q.question, mode="extractive")
        ok = q.kind == "answerable" and not ans.abstained and right(ans.text, q.answers)
        out.append(sf.Outcome(q.id, q.kind, q.source, ans.confidence, not ans.abstained, ok, False, ok, ans.text))
    return out


def _plot(curves: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for label, curve in curves.items():
        ax.plot([c for c, _ in curve], [r for _, r in curve], label=label)
    ax.axhline(0.05, color="grey", ls=":", lw=1)
    ax.set_xlabel("coverage (share of questions answered)")
    ax.set_ylabel("risk (share of answered that are wrong)")
    ax.set_title("Default answer's confidence, cross-validated by article")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _table(rows: dict) -> str:
    head = ("| | right | wrong but shown | refused though answerable | off-corpus refused | near-topic refused "
            "| coverage at 5 % risk |\n|---|---|---|---|---|---|---|\n")
    f = lambda v: "—" if v is None else f"{v:.3f}"  # noqa: E731
    return head + "".join(
        f"| {name} | {f(r['right'])} | {f(r['wrong_shown'])} | {f(r['refused_answerable'])} | "
        f"{f(r.get('refused_off_corpus'))} | {f(r.get('refused_near_topic'))} | {f(r.get('coverage_at_5pct_risk'))} |\n"
        for name, r in rows.items())


def run_open_eval(settings: Settings, squad: Path, seed: int = 0, out: Path = Path("runs/eval-squad"),
                  english: Path | None = None, bundled: bool = True, show: bool = True,
                  articles: int | None = None) -> dict:
    split = load_squad(squad, seed)
    if articles:  # a smaller folder (tests): the first N articles' questions and files
        titles = sorted({it.article for it in split.items})[:articles]
        split = replace(split, items=tuple(i for i in split.items if i.article in titles),
                        files={n: t for n, t in split.files.items() if t.split("\n", 1)[0].strip() in titles})
    extra = english_items(english, split) if english else []
    with tempfile.TemporaryDirectory() as work:
        qs, s_dev = squad_questions(split, Path(work), settings, show, extra)
        retrieval = _retrieval(s_dev, [q for q in qs if not q.id.startswith("en-")], settings.k)
        rules = _rules_baseline(s_dev, qs)
    bq = bundled_questions(settings, DEFAULT_DATASET, split.folds, show) if bundled else []
    outs = sf.cross_validated(qs + bq, rules=KEPT_RULES)
    ar = lambda xs: [o for o in xs if o.source == "dev" and not o.id.startswith("en-")]  # noqa: E731
    en = lambda xs: [o for o in xs if o.id.startswith("en-")]  # noqa: E731
    overlap = [sf.Outcome(q.id, q.kind, q.source, 1.0, bool(q.cands), *(2 * [q.kind == "answerable" and bool(q.cands)
               and right(_overlap_reader(q), q.answers)]),
               q.kind == "answerable" and right(_overlap_reader(q), q.answers),
               _overlap_reader(q)) for q in qs]
    rows = {"learned selector (default)": sf.summary(ar(outs)), "hand rules (selector = rules)": sf.summary(ar(rules)),
            "word-overlap reader, no abstention": sf.summary(ar(overlap))}
    if extra:
        rows["English questions, learned"] = sf.summary(en(outs))
        rows["English questions, hand rules"] = sf.summary(en(rules))
    if bq:
        rows["bundled set, learned (cross-validated)"] = sf.summary([o for o in outs if o.source == "bundled"])
    ans = [q for q in qs if q.kind == "answerable" and not q.id.startswith("en-")]
    summary = {
        "dataset": str(squad), "seed": seed, "folds": split.folds, "articles_in_folder": len(split.files),
        "articles_left_out": len(split.left_out),
        "questions": {k: sum(q.kind == k for q in qs if not q.id.startswith("en-")) for k in
                      ("answerable", "off_corpus", "near_topic")},
        "english_questions": len(extra),
        "retrieval": {"recall_at_k": sum(q.retrieved for q in ans) / max(1, len(ans)), "k": settings.k,
                      "grid": retrieval},
        "answer": {name: {k: v for k, v in r.items() if k != "curve"} for name, r in rows.items()},
        "headline": {"coverage_at_5pct_risk": rows["learned selector (default)"]["coverage_at_5pct_risk"],
                     **{k: rows["learned selector (default)"][k] for k in
                        ("right", "wrong_shown", "refused_off_corpus", "refused_near_topic")}},
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    with (out / "results.jsonl").open("w", encoding="utf-8") as fh:
        base = {o.id: o for o in rules}
        for o in outs:
            if o.source != "dev":
                continue
            q = next(x for x in qs if x.id == o.id)
            fh.write(json.dumps({"id": o.id, "question": q.question, "kind": o.kind, "article": q.group,
                                 "fold": q.fold, "answers": q.answers, "confidence": o.confidence,
                                 "answered": o.answered, "right": o.right, "answer": o.text if o.answered else "",
                                 "rules": {"answered": base[o.id].answered, "right": base[o.id].right}},
                                ensure_ascii=False) + "\n")
    _plot({name: r["curve"] for name, r in rows.items() if "overlap" not in name}, out / "report.png")
    grid = "\n".join(f"| {', '.join(f'{k}={v}' for k, v in g.items() if k != 'recall_at_k')} | {g['recall_at_k']:.3f} |"
                     for g in retrieval)
    (out / "report.md").write_text(
        f"# Open-corpus eval: {Path(squad).name}, seed {seed}\n\n"
        f"{len(split.files)} articles in the folder, {len(split.left_out)} left out; questions: "
        f"{summary['questions']}; {len(extra)} English. Folds by article ({split.folds}); every answer comes "
        "from a selector that never saw its article.\n\n" + _table(rows) +
        f"\nRetrieval recall@{settings.k} (answerable dev questions, gold answer in a retrieved passage):\n\n"
        "| retrieval | recall |\n|---|---|\n" + grid + "\n\n![risk-coverage](report.png)\n", encoding="utf-8")
    return summary
