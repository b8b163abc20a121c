"""What the `rag` command prints: answers, search hits, index status, models.
English only (the chat's Arabic is ui/i18n.py); notices and timings go to stderr."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .plural import count


def print_index_status(store, st, corpus: Path) -> None:
    """`rag index status`: the index, and the folder's stale files (``st``, None without a folder)."""
    m = store.manifest
    print(f"index:     {store.describe()}")
    print(f"built:     {m.get('built_at')}")
    print(f"embedder:  {m['embedder']['id']} ({m['embedder']['dim']}-d)")
    print(f"articles:  {m['counts']['articles']}   chunks: {m['counts']['chunks']}")
    if st is None:
        print(f"corpus:    {corpus} not found")
        return
    for label, items in (("new, not indexed", st.new), ("changed since build", st.changed), ("missing", st.missing)):
        for a in items:
            print(f"  {label}: {a}")
    for sk in st.skipped:
        print(f"  skipped: {sk.source}: {sk.reason}")
    print("status:    " + ("up to date" if not st.stale
                           else f"{count('en', st.stale, 'article')} stale; run: rag index build"))


def print_hits(res, notices, as_json: bool) -> None:
    """`rag search`: the ranked passages, as JSON or for reading."""
    if as_json:
        out = [
            {"chunk_id": h.chunk.id, "score": round(h.score, 6), "dense": h.dense, "bm25": h.lexical,
             "title": h.chunk.title, "source": h.chunk.source, "start": h.chunk.start, "end": h.chunk.end,
             "text": h.chunk.text}
            for h in res.hits
        ]
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for note in notices:
        print(f"note: {note.english()}", file=sys.stderr)
    print(f"answerable: {'yes' if res.answerable else 'no'} (confidence {res.confidence:.2f})\n")
    for i, h in enumerate(res.hits, 1):
        dense = f"{h.dense:.3f}" if h.dense is not None else "-"
        bm25 = f"{h.lexical:.2f}" if h.lexical is not None else "-"
        print(f"[{i}] {h.chunk.title}  ({h.chunk.source})  score {h.score:.4f}  cos {dense}  bm25 {bm25}")
        print("    " + h.chunk.text.replace("\n", "\n    ") + "\n")


def print_models(rows) -> None:
    """`rag models list`."""
    w = max(len(r.name) for r in rows)
    for r in rows:
        print(f"{r.name:<{w}}  {r.kind:<8}  {r.status}  — {r.note}")


WHY_MODE = {"base_model": " (the bundled model is a base model: answers are the checked evidence sentences)",
            "llm_unavailable": " (the LLM could not be used)"}


def print_answer(ans, streamed: str) -> None:
    """An answer after its streamed text: the checked text if it differs, unsupported
    sentences, sources (or the closest passages), notices and timings (stderr)."""
    if ans.text.strip() != streamed.strip():
        if streamed.strip():
            print("\n--- checked answer:")
        print(ans.text)
    else:
        print()
    for c in ans.sentences:
        if not c.supported:
            print(f"  (unsupported by the passages: {c.text[:80]})")
    if ans.abstained:
        print("\nClosest passages:")
        for p in ans.passages[:3]:
            print(f"  [{p.n}] {p.title} ({p.source}): {p.text[:160]}…")
    else:
        print("\nSources:")
        for c in ans.citations:
            tag = " (attached by the checker)" if c.inferred else ""
            print(f"  [{c.n}] {c.title} — {c.source}{tag}\n      {' '.join(c.text.split())[:300]}")
    if ans.query != ans.question:
        print(f"\n(searched for: {ans.query})")
    for note in ans.notices:
        print(f"note: {note.english()}", file=sys.stderr)
    if ans.rejected:
        print(f"note: the check left {count('en', ans.rejected, 'sentence')} the model wrote out of the answer",
              file=sys.stderr)
    t = ans.timings
    extra = f", first token {t['ttft']:.2f}s, {t.get('tokens_per_s', 0):.1f} tok/s" if "ttft" in t else ""
    if "first_checked" in t:
        extra += f", first checked sentence {t['first_checked']:.2f}s"
    why = WHY_MODE.get(ans.why_mode, "")
    print(f"[{ans.mode}{why}, {ans.model}, {t.get('total', 0):.2f}s{extra}]", file=sys.stderr)
