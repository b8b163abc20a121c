"""The checker measured on its own labelled data: right and wrong answer
sentences for real questions (eval/datasets/answer_sentences.jsonl), each
replayed as if a model had written it, through the same generative path the
chat uses.  A sentence the check lets through is a positive."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from rag.answer import Assistant

LABELLED = Path(__file__).resolve().parent / "datasets" / "answer_sentences.jsonl"


class ScriptedGenerator:
    """A Generator that 'writes' a given sentence, citing as ``[n]`` the shown
    passage that contains ``cite`` (a model with a chat template, so ``auto``
    generates)."""

    name, chat = "scripted", True

    def __init__(self, text: str, cite: str, context_size: int = 4096):
        self.text, self.cite, self.context_size = text, cite, context_size

    def count_tokens(self, text: str) -> int:
        return len(text) // 3 + 1

    def stream(self, messages, max_tokens, temperature, stop, deadline=None) -> Iterator[str]:
        if "{n}" not in self.text:
            yield from (word + " " for word in self.text.split(" "))
            return
        lines = messages[-1]["content"].splitlines()
        n = next((ln[1:ln.index("]")] for ln in lines if ln.startswith("[") and "]" in ln and self.cite in ln), "1")
        for word in self.text.replace("{n}", n).split(" "):
            yield word + " "


def check_labelled(settings, store, path: Path = LABELLED) -> dict:
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    kept_good = kept_bad = 0
    misses = []
    for r in rows:
        gen = ScriptedGenerator(r["sentence"], r["cite"])
        ans = Assistant(settings.replace(mode="generative"), store=store, generator=gen).ask(r["question"])
        kept = ans.mode == "generative" and not ans.abstained
        kept_good += kept and r["good"]
        kept_bad += kept and not r["good"]
        if kept != r["good"]:
            misses.append({"question": r["question"], "sentence": r["sentence"], "good": r["good"], "why": r["why"]})
    n_good = sum(r["good"] for r in rows)
    kept = kept_good + kept_bad
    return {"dataset": str(path), "n": len(rows), "n_good": n_good, "n_bad": len(rows) - n_good,
            "precision": kept_good / kept if kept else None, "recall": kept_good / n_good if n_good else None,
            "misses": misses}
