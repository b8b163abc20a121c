"""Fitting the answer selector (rag/selector.py) and scoring it honestly:
folds by article, the calibration and threshold of each fold chosen on the
other folds only.  Deterministic: logistic regression (liblinear) has no
randomness here, and the folds come from the split's seed."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from rag.extractive import extract_answer
from rag.selector import BASE, FEATURES, Selector

from .candidates import Question
from .metrics import right

C = 0.5  # inverse regularisation (0.1 / 0.5 / 2 compared in eval/README.md)
# Abstention: the lowest threshold whose out-of-fold wrong-but-shown answers are at most MAX_WRONG of
# the answerable questions (the rule; a wrong answer shown as checked is the worst outcome).
# Cross-validated by article (eval/README.md): dev right 0.471 / wrong 5.6 % / off-corpus refused
# 0.93 / near-topic 0.82, bundled 0.757 / 1.5 %; the utility right - wrong - unanswerable answered,
# the previous rule, gave dev 0.507 / 6.2 % / 0.89 / 0.75, bundled 0.794 / 2.2 %.
MAX_WRONG = 0.05


def fit(qs: list[Question], names: tuple[str, ...] = BASE, c: float = C, rules: tuple[str, ...] = ()) -> Selector:
    """Logistic regression over the candidates no kept rule refuses."""
    from sklearn.linear_model import LogisticRegression

    cols = [FEATURES.index(n) for n in names]
    rule = Selector((), np.zeros(0), np.ones(0), np.zeros(0), 0.0, rules=rules)
    rows = [q.X for q in qs if len(q.X)]
    keep = [~rule.refused(x) for x in rows]
    X = np.vstack([x[k][:, cols] for x, k in zip(rows, keep)])
    y = np.concatenate([q.y[k] for q, k in zip([q for q in qs if len(q.X)], keep)])
    mean, scale = X.mean(0), X.std(0)
    scale[scale == 0] = 1.0
    m = LogisticRegression(C=c, max_iter=2000, solver="liblinear").fit((X - mean) / scale, y)
    return Selector(tuple(names), mean, scale, m.coef_[0], float(m.intercept_[0]), rules=rules)


def best_prob(sel: Selector, q: Question) -> tuple[np.ndarray, float]:
    p = sel.predict(q.X) if len(q.X) else np.zeros(0)
    return p, float(p.max()) if len(p) else 0.0


@dataclass(frozen=True)
class Outcome:
    id: str
    kind: str
    source: str
    confidence: float
    answered: bool
    right: bool  # answered and right (never for an unanswerable question)
    top_right: bool  # the best candidate holds the answer, whatever the threshold
    correct: bool  # the answer text is right, whether shown or not (the risk-coverage curve)
    text: str


def answer_text(q: Question, p: np.ndarray, keep_ratio: float, max_sentences: int) -> str:
    cands = [replace(c, score=float(x)) for c, x in zip(q.cands, p)]
    best = max((c.score for c in cands), default=0.0)
    cands = [c for c in cands if c.score > 0 and c.score >= keep_ratio * best]
    return extract_answer(cands, q.language, max_sentences=max_sentences, keep_ratio=keep_ratio)


def outcomes(sel: Selector, qs: list[Question]) -> list[Outcome]:
    out = []
    for q in qs:
        p, top = best_prob(sel, q)
        conf = sel.confidence(top)
        answered = bool(conf >= sel.threshold and top > 0)
        text = answer_text(q, p, sel.keep_ratio, sel.max_sentences) if top > 0 else ""
        ok = q.kind == "answerable" and bool(text) and right(text, q.answers)
        out.append(Outcome(q.id, q.kind, q.source, float(conf), answered, answered and ok,
                           bool(len(p)) and bool(q.y[int(p.argmax())]), ok, text))
    return out


def wrong_shown(outs: list[Outcome], t: float) -> float:
    """Share of the answerable questions answered wrongly at threshold ``t``."""
    ans = [o for o in outs if o.kind == "answerable"]
    return sum(o.confidence >= t and bool(o.text) and not o.correct for o in ans) / max(1, len(ans))


def choose_threshold(outs: list[Outcome], max_wrong: float = MAX_WRONG) -> float:
    """The lowest threshold whose wrong-but-shown share on these (out-of-fold)
    outcomes is at most ``max_wrong``; the highest of the grid if none is."""
    grid = [round(x, 3) for x in np.arange(0.05, 0.96, 0.01)]
    return next((t for t in grid if wrong_shown(outs, t) <= max_wrong), grid[-1])


def trained(qs: list[Question], names=BASE, c: float = C, rules: tuple[str, ...] = (), inner: bool = True) -> Selector:
    """A selector fitted on ``qs``, its calibration and threshold chosen on
    out-of-fold predictions within ``qs`` (folds by article)."""
    sel = fit(qs, names, c, rules)
    if not inner:
        return sel
    folds = sorted({q.fold for q in qs})
    oof: list[tuple[Question, Selector]] = []
    for f in folds:
        m = fit([q for q in qs if q.fold != f], names, c, rules)
        oof += [(q, m) for q in qs if q.fold == f]
    # calibrated on the out-of-fold probabilities, applied to the model fitted on all of ``qs``
    raw_outs = [outcomes(replace(m, threshold=0.0), [q])[0] for q, m in oof]
    z = np.array([np.log(max(o.confidence, 1e-6) / max(1 - o.confidence, 1e-6)) for o in raw_outs])
    t = np.array([int(o.right) for o in raw_outs])
    from sklearn.linear_model import LogisticRegression

    a, b = (1.0, 0.0)
    if len(set(t)) == 2:
        lm = LogisticRegression(C=10.0, solver="liblinear").fit(z[:, None], t)
        a, b = float(lm.coef_[0][0]), float(lm.intercept_[0])
    cal = [replace(o, confidence=float(1 / (1 + np.exp(-(a * zi + b))))) for o, zi in zip(raw_outs, z)]
    return replace(sel, calib=(a, b), threshold=choose_threshold(cal))


def cross_validated(qs: list[Question], names=BASE, c: float = C, rules: tuple[str, ...] = ()) -> list[Outcome]:
    """Every question answered by a selector that never saw its article."""
    out: list[Outcome] = []
    for f in sorted({q.fold for q in qs}):
        test = [q for q in qs if q.fold == f]
        sel = trained([q for q in qs if q.fold != f], names, c, rules)
        out += outcomes(sel, test)
    return out


def summary(outs: list[Outcome]) -> dict:
    """Right, wrong but shown and refused per kind, plus the risk–coverage
    curve of the confidence and the coverage at 5 % risk."""
    ans = [o for o in outs if o.kind == "answerable"]
    n = max(1, len(ans))
    res = {"n": len(outs), "n_answerable": len(ans),
           "right": sum(o.right for o in ans) / n,
           "wrong_shown": sum(o.answered and not o.right for o in ans) / n,
           "refused_answerable": sum(not o.answered for o in ans) / n,
           "top_right": sum(o.top_right for o in ans) / n}
    for kind in ("off_corpus", "near_topic"):
        ks = [o for o in outs if o.kind == kind]
        res[f"refused_{kind}"] = (sum(not o.answered for o in ks) / len(ks)) if ks else None
        res[f"n_{kind}"] = len(ks)
    # risk-coverage: questions sorted by confidence; answering the top share, the wrong among them
    # (a wrong answer, or any answer to an unanswerable question)
    ranked = sorted(outs, key=lambda o: -o.confidence)
    curve, wrong = [], 0
    for i, o in enumerate(ranked, 1):
        wrong += not (o.kind == "answerable" and right_if_answered(o))
        curve.append((i / len(ranked), wrong / i))
    res["curve"] = curve[:: max(1, len(curve) // 100)] + curve[-1:]
    res["coverage_at_5pct_risk"] = max((cov for cov, risk in curve if risk <= 0.05), default=0.0)
    return res


def right_if_answered(o: Outcome) -> bool:
    """Would the answer be right if shown (the curve ignores the threshold)?"""
    return o.correct
