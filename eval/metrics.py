"""Retrieval and answer metrics; all text comparison after Arabic normalisation."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from index.arabic import normalize, tokenize


def contains_any(text: str, needles) -> bool:
    """Does ``text`` contain any of ``needles``, after Arabic normalisation?

    >>> contains_any('زار بِيشكيك', ['بيشكيك'])
    True
    """
    t = normalize(text)
    return any(normalize(n) in t for n in needles if n.strip())


def right(text: str, golds, share: float = 0.8) -> bool:
    """Is the answer right: a gold answer in ``text`` after normalisation, or
    at least ``share`` of one's words (a crowd span often carries a stray
    word the sentence words differently).

    >>> (right('ولد في القاهرة عام 1911.', ['القاهرة']), right('كاتب مصري كبير', ['روائي وكاتب مصري']),
    ...  right('روائي', ['روائي وكاتب مصري']))
    (True, False, False)
    >>> right('هو روائي مصري معروف', ['روائي مصري معروف جدا'])
    False
    """
    if contains_any(text, golds):
        return True
    words = set(tokenize(text))
    for g in golds:
        gw = tokenize(g)
        if gw and sum(w in words for w in gw) / len(gw) >= share:
            return True
    return False


def first_relevant_rank(relevant: list[bool]) -> int | None:
    """1-based rank of the first relevant result, or None."""
    return next((i + 1 for i, r in enumerate(relevant) if r), None)


def recall_at(relevant: list[bool], k: int) -> float:
    return 1.0 if any(relevant[:k]) else 0.0


def reciprocal_rank(relevant: list[bool]) -> float:
    r = first_relevant_rank(relevant)
    return 1.0 / r if r else 0.0


def ndcg_at(relevant: list[bool], k: int, n_relevant: int) -> float:
    """Binary-relevance nDCG@k; ``n_relevant`` = relevant chunks in the whole index.

    >>> ndcg_at([True, False], 2, 1)
    1.0
    """
    dcg = sum(1.0 / math.log2(i + 2) for i, r in enumerate(relevant[:k]) if r)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, max(n_relevant, 1))))
    return dcg / ideal if ideal else 0.0


def token_f1(prediction: str, golds) -> float:
    """Best token-level F1 against any gold answer.

    >>> round(token_f1('في جنوب أفريقيا', ['جنوب إفريقيا']), 2)
    0.8
    """
    p = tokenize(prediction)
    best = 0.0
    for g in golds:
        gt = tokenize(g)
        common = sum((Counter(p) & Counter(gt)).values())
        if common:
            prec, rec = common / len(p), common / len(gt)
            best = max(best, 2 * prec * rec / (prec + rec))
    return best


def precision_recall(pred: list[bool], truth: list[bool]) -> tuple[float | None, float | None]:
    """Precision and recall of the positive class (None when undefined)."""
    tp = sum(p and t for p, t in zip(pred, truth))
    fp = sum(p and not t for p, t in zip(pred, truth))
    fn = sum(t and not p for p, t in zip(pred, truth))
    prec = tp / (tp + fp) if tp + fp else None
    rec = tp / (tp + fn) if tp + fn else None
    return prec, rec


def percentiles(values) -> dict[str, float]:
    v = [x for x in values if x is not None]
    if not v:
        return {}
    return {"p50": float(np.percentile(v, 50)), "p95": float(np.percentile(v, 95)), "n": len(v)}


def calibrate_threshold(conf: list[float], answerable: list[bool], max_false_abstain: float = 0.1) -> dict:
    """Pick the abstention threshold (abstain when confidence < t) with the
    best abstention F1 among those that abstain on at most
    ``max_false_abstain`` of answerable questions."""
    best = None
    n_ans = sum(answerable) or 1
    for t in sorted(set([0.0] + [round(c + 1e-6, 6) for c in conf])):
        abstain = [c < t for c in conf]
        false_abs = sum(a and ok for a, ok in zip(abstain, answerable)) / n_ans
        if false_abs > max_false_abstain:
            continue
        prec, rec = precision_recall(abstain, [not a for a in answerable])
        f1 = 2 * prec * rec / (prec + rec) if prec and rec else 0.0
        cand = {"threshold": t, "precision": prec, "recall": rec, "f1": f1, "false_abstention": false_abs}
        if best is None or f1 > best["f1"]:
            best = cand
    return best or {"threshold": 0.0, "precision": None, "recall": 0.0, "f1": 0.0, "false_abstention": 0.0}
