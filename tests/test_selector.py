"""The learned answer selector: its weights file, its features, and the
open-corpus eval that trains and scores it (real USE embedder, real FAISS,
a folder of ARCD articles)."""

import json
from pathlib import Path

import numpy as np
import pytest

from eval import selector_fit as sf
from eval.squad import KINDS, load_squad
from rag.answer import Assistant
from rag.selector import FEATURES, WEIGHTS, load_selector
from rag.settings import Settings

ARCD = Path(__file__).resolve().parents[1] / "eval" / "datasets" / "arcd" / "arcd-train.json"


def test_weights_file_is_complete():
    d = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    sel = load_selector()
    assert set(sel.names) <= set(FEATURES) and len(sel.coef) == len(sel.names) == len(sel.mean)
    assert 0.0 < sel.threshold < 1.0 and sel.rules
    assert d["trained_on"]["dev_questions"] > 300 and "dev" in d["cross_validated"]


def test_predict_is_a_probability_and_rules_refuse():
    sel = load_selector()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, len(FEATURES))).astype(np.float32)
    X[:, [FEATURES.index(f"rule_{r}") for r in sel.rules]] = 0.0
    p = sel.predict(X)
    assert p.shape == (40,) and ((p > 0) & (p < 1)).all()
    X[3, FEATURES.index(f"rule_{sel.rules[0]}")] = 1.0
    assert sel.predict(X)[3] == 0.0


def test_split_never_splits_an_article_and_near_topic_answers_are_absent():
    split = load_squad(ARCD, seed=0)
    folds = {}
    for it in split.items:
        folds.setdefault(it.article, set()).add(it.fold)
        assert it.kind in KINDS
    assert all(len(f) == 1 for f in folds.values())
    folder = " ".join(split.files.values())
    from index.arabic import normalize

    near = [it for it in split.items if it.kind == "near_topic"]
    assert near and not any(normalize(a) in normalize(folder) for it in near for a in it.answers)
    assert {t for t in split.left_out} & {it.article for it in split.items if it.kind == "off_corpus"}
    assert load_squad(ARCD, seed=0) == split and load_squad(ARCD, seed=1) != split


def test_threshold_is_the_lowest_that_keeps_wrong_answers_under_the_cap():
    Out = sf.Outcome
    outs = [Out("a", "answerable", "dev", 0.9, True, True, True, True, "x"),
            Out("b", "answerable", "dev", 0.4, True, False, False, False, "y"),
            Out("c", "answerable", "dev", 0.6, True, True, True, True, "w"),
            Out("d", "off_corpus", "dev", 0.3, True, False, False, False, "z")]
    t = sf.choose_threshold(outs, max_wrong=0.05)
    assert 0.4 < t <= 0.6  # refuses the wrong one, keeps both right ones
    assert sf.wrong_shown(outs, t) == 0 and sf.wrong_shown(outs, 0.4) == pytest.approx(1 / 3)
    assert sf.choose_threshold(outs, max_wrong=0.5) == 0.05  # one wrong of three is allowed: answer all


@pytest.mark.slow
def test_open_corpus_eval_end_to_end(tmp_path):
    """`rag eval --squad` on a folder of 12 ARCD articles: every kind of
    question is scored, folds by article, the curve drawn; the product's
    answer on that folder comes from the same selector."""
    from eval.open_corpus import run_open_eval

    summary = run_open_eval(Settings(), ARCD, 0, tmp_path / "out", bundled=False, show=False, articles=12)
    learned = summary["answer"]["learned selector (default)"]
    assert learned["n_answerable"] > 20 and 0.0 <= learned["right"] <= 1.0
    assert learned["right"] + learned["wrong_shown"] + learned["refused_answerable"] == pytest.approx(1.0)
    assert (tmp_path / "out" / "report.png").stat().st_size > 1000
    assert "coverage at 5 % risk" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert summary["retrieval"]["recall_at_k"] > 0.7


@pytest.fixture(scope="module")
def store(built_index):
    from index.store import IndexStore

    return IndexStore.load(built_index)


@pytest.mark.parametrize("question", ["لماذا تغيب بوتين عن قمة بريكس؟", "ما هي عاصمة البرازيل؟",
                                      "Why did Putin skip the BRICS summit?"])
def test_default_answer_shows_only_what_the_selector_trusts(store, question):
    """Shown exactly when the calibrated confidence reaches the threshold; a
    shown answer cites passages it was given."""
    sel = load_selector()
    ans = Assistant(Settings(), store=store).ask(question, mode="extractive")
    assert ans.abstained == (ans.confidence < sel.threshold)
    if not ans.abstained:
        assert ans.citations and all(1 <= c.n <= len(ans.passages) for c in ans.citations)


def test_off_topic_question_is_refused(store):
    ans = Assistant(Settings(), store=store).ask("ما هي عاصمة البرازيل؟", mode="extractive")
    assert ans.abstained
