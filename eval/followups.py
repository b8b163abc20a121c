"""`python -m eval.followups`: retrieval recall@k of rewritten follow-ups.

Two sets, each searched as the chat searches it (rag/rewrite.py's rule, then
the hybrid retriever):

- **dev**: eval/datasets/arcd/followups.jsonl, follow-up pairs written by hand
  over the ARCD dev articles (see that folder's README), on an index of all 77
  dev articles (title as the first line); a hit is a retrieved passage holding
  the gold answer of the follow-up.
- **bundled**: the follow-ups of eval/datasets/arabic_news.jsonl (category
  ``followup``) on the bundled articles; a hit is a passage holding the
  evidence, as in `rag eval`.

Each is measured with the earlier questions only (answers blank) and with the
answers the system itself gave them (extractive: the same on every machine).
Also counted: rewrites holding a word found nowhere in the conversation.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from index.arabic import normalize, tokenize

HERE = Path(__file__).resolve().parent
DEV_FOLLOWUPS = HERE / "datasets" / "arcd" / "followups.jsonl"
ARCD = HERE / "datasets" / "arcd" / "arcd-train.json"


@dataclass(frozen=True)
class FollowUp:
    id: str
    history: tuple[str, ...]  # earlier questions, oldest first
    question: str  # the follow-up
    gold: tuple[str, ...]  # strings one of which a relevant passage holds (normalised)


def load_dev(path: Path = DEV_FOLLOWUPS) -> list[FollowUp]:
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            o = json.loads(line)
            out.append(FollowUp(o["id"], (o["question"],), o["followup"], (normalize(o["answer"]),)))
    return out


def load_bundled() -> list[FollowUp]:
    from .dataset import DEFAULT_DATASET, load_dataset

    return [FollowUp(it.id, it.history, it.question, tuple(normalize(e) for e in it.evidence))
            for it in load_dataset(DEFAULT_DATASET) if it.category == "followup" and it.answerable]


def write_dev_folder(folder: Path, arcd: Path = ARCD) -> Path:
    """One .txt per ARCD article, its title as the first line."""
    from .squad import _file_name

    folder.mkdir(parents=True, exist_ok=True)
    for i, art in enumerate(json.loads(arcd.read_text(encoding="utf-8"))["data"]):
        body = "\n\n".join(p["context"].strip() for p in art["paragraphs"])
        (folder / _file_name(i, art["title"])).write_text(f"{art['title'].strip()}\n\n{body}\n", encoding="utf-8")
    return folder


def foreign_words(query: str, turns: list[tuple[str, str]]) -> list[str]:
    """Words of a rewrite found nowhere in the follow-up or the conversation.

    >>> foreign_words('ومتى رسمها؟ — سيول', [('من رسم الموناليزا؟', ''), ('ومتى رسمها؟', '')])
    ['سيول']
    """
    said = set(tokenize(" ".join(t for turn in turns for t in turn)))
    return [t for t in tokenize(query) if t not in said]


def measure(settings, items: list[FollowUp], k: int, with_answers: bool) -> dict:
    from rag.answer import Assistant
    from rag.retrieve import make_retriever
    from rag.rewrite import rewrite_rule
    from rag.stores import open_store

    store = open_store(settings)
    retriever = make_retriever(store, settings)
    assistant = Assistant(settings.replace(mode="extractive"), store=store) if with_answers else None
    said: dict[tuple[str, ...], str] = {}
    hits, foreign, rows = 0, 0, []
    for it in items:
        turns: list[tuple[str, str]] = []
        for i, q in enumerate(it.history):
            a = ""
            if assistant is not None:
                key = it.history[: i + 1]
                if key not in said:
                    said[key] = assistant.ask(q, history=list(turns), mode="extractive").text
                a = said[key]
            turns.append((q, a))
        query = rewrite_rule(it.question, turns)
        res = retriever.search(query, k=k)
        hit = any(g in normalize(h.chunk.text) for h in res.hits[:k] for g in it.gold)
        extra = foreign_words(query, turns + [(it.question, "")])
        hits += hit
        foreign += bool(extra)
        rows.append({"id": it.id, "query": query, "hit": hit, "foreign": extra})
    return {"n": len(items), "recall_at_k": round(hits / max(1, len(items)), 4), "k": k,
            "rewrites_with_foreign_words": foreign, "rows": rows}


def _ensure_index(settings, corpus: Path, index: Path):
    from rag.stores import build_store

    s = settings.replace(corpus=corpus, index=index)
    if not (index.exists() and any(index.iterdir())):
        build_store(s)
    return s


def main(argv: list[str] | None = None) -> int:
    from rag.settings import Settings

    p = argparse.ArgumentParser(prog="python -m eval.followups", description=__doc__.split("\n")[0])
    p.add_argument("--work", default="runs/followups", help="folder for the dev articles, the indexes and summary.json")
    p.add_argument("--bundled-corpus", default=None, help="bundled articles (default: the settings' corpus)")
    p.add_argument("--no-answers", action="store_true", help="skip the runs with the system's own answers")
    args = p.parse_args(argv)
    work = Path(args.work)
    base = Settings()
    k = base.k
    dev = _ensure_index(base, write_dev_folder(work / "dev-articles"), work / "dev-index")
    bun = _ensure_index(base, Path(args.bundled_corpus or base.corpus), work / "bundled-index")
    summary = {}
    for name, s, items in (("dev", dev, load_dev()), ("bundled", bun, load_bundled())):
        for answers in ([False] if args.no_answers else [False, True]):
            summary[f"{name}{'_with_answers' if answers else ''}"] = measure(s, items, k, answers)
    (work / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    for key, r in summary.items():
        print(f"{key}: recall@{r['k']} {r['recall_at_k']:.3f} over {r['n']}, "
              f"rewrites with a word from outside the conversation {r['rewrites_with_foreign_words']}")
        for row in r["rows"]:
            if not row["hit"] or row["foreign"]:
                print(f"   {row['id']} {'miss' if not row['hit'] else 'hit '} {row['query']}  {row['foreign'] or ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
