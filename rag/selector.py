"""The learned answer selector: which retrieved sentence answers, and how
likely it is right.

Every candidate sentence (rag/extractive.py ``candidates``) becomes a row of
features — its overlap with the question (IDF-weighted, phrase), its meaning
(USE cosine), its passage's retrieval rank and score, title match, what is
new in it, the answer type asked and stated, and each hand rule's verdict
(rag/rule_flags.py) — and a logistic model gives the chance that it contains
the answer.  The weights are learned on open Arabic QA data (ARCD train,
folds by article) plus the bundled eval, by ``python -m eval.train_selector``,
and live in ``rag/data/selector.json``; so does the abstention threshold,
chosen on the dev folds for at most 5 % wrong-but-shown answers.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.arabic import light_stem, normalize, skeleton, tokenize
from index.lexical import analyze, is_stopword

from .kinds import has_type
from .rule_flags import RULES
from .statements import has_reason

WEIGHTS = Path(__file__).resolve().parent / "data" / "selector.json"

BASE = ("lexical", "dense", "focus", "old_score", "rank_inv", "hit_score", "hit_dense", "phrase", "words",
        "novelty", "title_share", "kind_asked", "kind_stated", "reason_stated", "named_date", "lang_en",
        "q_terms", "best_lexical", "best_dense", "gap_lexical", "gap_dense", "gap_score", "order_inv",
        "top_hit_dense", "sent_pos", "art_first", "asks_def", "def_first", "matched", "density")
RULE_FEATURES = tuple(f"rule_{name}" for name in RULES)
FEATURES = BASE + RULE_FEATURES


# «ما هو/ما هي/من هو/من هي X؟», "what is X": an encyclopedic article answers in its first sentence.
_DEFINITION = re.compile(r"^\W*(ما|من|ماذا) (هو|هي|هم|يكون|تكون)\b|^\W*(what|who) (is|are|was|were)\b", re.I)


def _stems(text: str) -> list[str]:
    return [skeleton(light_stem(w)) for w in tokenize(text) if not is_stopword(w)]


def _phrase(q: list[str], s: list[str]) -> float:
    pairs = set(zip(q, q[1:]))
    if not pairs:
        return 0.0
    near = set(zip(s, s[1:])) | set(zip(s, s[2:]))
    return len(pairs & near) / len(pairs)


def features(query, cands: list, hits: list, flags: dict[str, list[bool]]) -> np.ndarray:
    """One row of ``FEATURES`` per candidate."""
    if not cands:
        return np.zeros((0, len(FEATURES)), dtype=np.float32)
    q_terms = set(query.terms)
    q_stems = _stems(query.asked or query.text) if query.language == "ar" else []
    top_score = max((h.score for h in hits), default=1.0) or 1.0
    top_dense = max((h.dense or 0.0 for h in hits), default=0.0)
    best_lex = max(c.lexical for c in cands)
    best_dense = max(c.dense for c in cands)
    best_score = max(c.score for c in cands)
    order = {id(c): i for i, c in enumerate(sorted(cands, key=lambda c: -c.score))}
    title_terms = {n: set(analyze(h.chunk.title or "", query.analyzer)) for n, h in enumerate(hits, 1)}
    asks_def = float(bool(_DEFINITION.match(normalize(query.asked or query.text))))
    rows = []
    for i, c in enumerate(cands):
        hit = hits[c.n - 1]
        words = len(c.text.split())
        new = [t for t in c.terms if t not in q_terms]
        rel = c.rel
        kind_asked = query.kind is not None or query.city or query.duration
        row = [
            c.lexical, c.dense, rel.focus if rel else 0.0, c.score, 1.0 / c.n, hit.score / top_score,
            hit.dense or 0.0, _phrase(q_stems, _stems(c.text)) if q_stems else 0.0, math.log1p(words),
            len(new) / max(1, len(c.terms)),
            len(q_terms & title_terms[c.n]) / max(1, len(q_terms)),
            float(kind_asked), float(kind_asked and (rel.kind_ok if rel else has_type(c.text, query.kind))),
            float(query.kind == "reason" and has_reason(c.text)), float(c.named_date),
            float(query.language != "ar"), math.log1p(len(q_terms)), best_lex, best_dense,
            c.lexical - best_lex, c.dense - best_dense, c.score - best_score, 1.0 / (1 + order[id(c)]),
            top_dense, c.span[0] / max(1, len(hit.chunk.text)),
        ]
        first = float(hit.chunk.start + c.span[0] <= len(hit.chunk.title or "") + 2)
        matched = len(q_terms & c.terms)
        row += [first, asks_def, asks_def * first, math.log1p(matched), matched / max(1, len(c.terms))]
        row += [float(flags.get(name, [False] * len(cands))[i]) for name in RULES]
        rows.append(row)
    return np.asarray(rows, dtype=np.float32)


@dataclass(frozen=True)
class Selector:
    """A fitted logistic model over ``names`` (standardised), with the
    question-level calibration of its best candidate and the threshold."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    calib: tuple[float, float] = (1.0, 0.0)  # confidence = sigmoid(a * logit(p_best) + b)
    threshold: float = 0.5  # abstain below this confidence
    keep_ratio: float = 0.3  # a further sentence when its probability is at least this share of the best
    max_sentences: int = 3
    # hand rules that refuse a sentence outright (rag/rule_flags.py): kept where the dev folds say they
    # help (eval/README.md, "rules earn their place"); the others are gone
    rules: tuple[str, ...] = ()

    def columns(self) -> list[int]:
        return [FEATURES.index(n) for n in self.names]

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Probability, per candidate row of ``FEATURES``, that it holds the answer."""
        if len(X) == 0:
            return np.zeros(0)
        z = ((X[:, self.columns()] - self.mean) / self.scale) @ self.coef + self.intercept
        p = 1.0 / (1.0 + np.exp(-z))
        return np.where(self.refused(X), 0.0, p)

    def refused(self, X: np.ndarray) -> np.ndarray:
        """Rows a kept hand rule refuses."""
        cols = [FEATURES.index(f"rule_{r}") for r in self.rules]
        return X[:, cols].any(1) if cols else np.zeros(len(X), dtype=bool)

    def confidence(self, p_best: float) -> float:
        """The calibrated chance that the best candidate is right.

        >>> s = Selector((), np.zeros(0), np.ones(0), np.zeros(0), 0.0)
        >>> s.confidence(0.5), s.confidence(0.0)
        (0.5, 0.0)
        """
        p = min(max(p_best, 1e-6), 1 - 1e-6)
        if p_best <= 0:
            return 0.0
        a, b = self.calib
        return round(1.0 / (1.0 + math.exp(-(a * math.log(p / (1 - p)) + b))), 4)

    def to_json(self, extra: dict | None = None) -> str:
        return json.dumps({"names": list(self.names), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                           "coef": self.coef.tolist(), "intercept": self.intercept, "calib": list(self.calib),
                           "threshold": self.threshold, "keep_ratio": self.keep_ratio,
                           "max_sentences": self.max_sentences, "rules": list(self.rules), **(extra or {})},
                          ensure_ascii=False, indent=1)

    @classmethod
    def from_dict(cls, d: dict) -> "Selector":
        return cls(tuple(d["names"]), np.asarray(d["mean"]), np.asarray(d["scale"]), np.asarray(d["coef"]),
                   float(d["intercept"]), tuple(d.get("calib", (1.0, 0.0))), float(d.get("threshold", 0.5)),
                   float(d.get("keep_ratio", 0.3)), int(d.get("max_sentences", 3)), tuple(d.get("rules", ())))


@lru_cache(maxsize=4)
def load_selector(path: str = str(WEIGHTS)) -> Selector:
    from index.errors import RagError

    try:
        return Selector.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError) as e:
        raise RagError(f"The answer selector's weights {path} cannot be read ({e}); "
                       "reinstall the package or run `python -m eval.train_selector`.") from None
