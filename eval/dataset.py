"""Eval datasets: JSONL, one question per line (format in eval/README.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from index.arabic import normalize
from index.errors import DatasetError

DEFAULT_DATASET = Path(__file__).resolve().parent / "datasets" / "arabic_news.jsonl"
REQUIRED = {"id": str, "question": str, "answers": list, "evidence": list, "answerable": bool}


@dataclass(frozen=True)
class EvalItem:
    id: str
    question: str
    answers: tuple[str, ...]
    evidence: tuple[str, ...]
    answerable: bool
    category: str = ""
    line: int = 0
    history: tuple[str, ...] = ()  # earlier questions of the conversation (follow-ups)


def load_dataset(path: Path) -> list[EvalItem]:
    """Parse and validate a dataset; every problem names its line."""
    path = Path(path)
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise DatasetError(f"Dataset {path} does not exist.") from None
    except UnicodeDecodeError as e:
        line = path.read_bytes()[: e.start].count(b"\n") + 1
        raise DatasetError(f"{path}:{line}: not valid UTF-8 (byte 0x{e.object[e.start]:02x}); "
                           "save it as UTF-8.") from None
    items: list[EvalItem] = []
    seen: set[str] = set()
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise DatasetError(f"{where}: malformed JSON ({e.msg} at column {e.colno}).") from None
        if not isinstance(obj, dict):
            raise DatasetError(f"{where}: each line must be a JSON object.")
        for key, typ in REQUIRED.items():
            if key not in obj:
                raise DatasetError(f"{where}: missing field '{key}'.")
            if not isinstance(obj[key], typ):
                raise DatasetError(f"{where}: field '{key}' must be {typ.__name__}.")
        if not all(isinstance(x, str) and x.strip() for x in obj["answers"] + obj["evidence"]):
            raise DatasetError(f"{where}: 'answers' and 'evidence' must be lists of non-empty strings.")
        if obj["answerable"] and not (obj["answers"] or obj["evidence"]):
            raise DatasetError(f"{where}: an answerable question needs answers or evidence.")
        if not obj["question"].strip():
            raise DatasetError(f"{where}: empty question.")
        if obj["id"] in seen:
            raise DatasetError(f"{where}: duplicate id '{obj['id']}'.")
        history = obj.get("history", [])
        if not isinstance(history, list) or not all(isinstance(h, str) and h.strip() for h in history):
            raise DatasetError(f"{where}: 'history' must be a list of earlier questions (non-empty strings).")
        seen.add(obj["id"])
        items.append(EvalItem(obj["id"], obj["question"], tuple(obj["answers"]), tuple(obj["evidence"]),
                              obj["answerable"],
                              str(obj.get("category") or ("answerable" if obj["answerable"] else "unanswerable")), n,
                              tuple(history)))
    if not items:
        raise DatasetError(f"Dataset {path} has no questions.")
    return items


def missing_evidence(items: list[EvalItem], texts: list[str]) -> dict[str, list[str]]:
    """Evidence strings that occur in none of the texts, per question id."""
    corpus = [normalize(t) for t in texts]
    out: dict[str, list[str]] = {}
    for it in items:
        gone = [e for e in it.evidence if not any(normalize(e) in t for t in corpus)]
        if gone:
            out[it.id] = gone
    return out
