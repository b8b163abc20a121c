import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ARTICLES, ROOT

from eval import metrics
from eval.dataset import DEFAULT_DATASET, load_dataset, missing_evidence
from index.errors import DatasetError
from index.load import load_corpus


def test_bundled_dataset_is_well_formed_and_its_evidence_is_real():
    items = load_dataset(DEFAULT_DATASET)
    assert len(items) >= 50
    cats = {i.category for i in items}
    assert {"factual", "why", "list", "paraphrase", "spelling", "english", "unanswerable"} <= cats
    assert sum(not i.answerable for i in items) >= 10 and sum(i.category == "english" for i in items) >= 5
    assert any(i.question == "لماذا تغيب بوتين عن قمة بريكس؟" for i in items)
    raw = "\n".join(p.read_text(encoding="utf-8") for p in ARTICLES.glob("*.txt"))
    for it in items:
        for ev in it.evidence:
            assert ev in raw, f"{it.id}: evidence not verbatim in the articles: {ev}"
    cleaned = [a.text for a in load_corpus(ARTICLES)[0]]
    assert missing_evidence(items, cleaned) == {}  # cleaning kept every evidence sentence


def _write(tmp_path: Path, lines, name="d.jsonl", raw=None) -> Path:
    p = tmp_path / name
    if raw is not None:
        p.write_bytes(raw)
    else:
        p.write_text("\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)
                               for line in lines), encoding="utf-8")
    return p


GOOD = {"id": "a", "question": "متى زار بوتين قرغيزستان؟", "answers": ["12 أكتوبر"], "evidence": ["12 أكتوبر"],
        "answerable": True}


@pytest.mark.parametrize(
    "lines, raw, msg",
    [
        ([GOOD, "{broken json"], None, r"d\.jsonl:2: malformed JSON"),
        ([GOOD, {k: v for k, v in GOOD.items() if k != "answers"} | {"id": "b"}], None,
         r"d\.jsonl:2: missing field 'answers'"),
        ([GOOD | {"answerable": "yes"}], None, r"d\.jsonl:1: field 'answerable' must be bool"),
        ([GOOD, GOOD], None, "duplicate id"),
        ([], "x".encode() + b"\n\xff\xfe", r"d\.jsonl:2: not valid UTF-8"),
        ([], b"", "no questions"),
    ],
)
def test_bad_datasets_name_the_line(tmp_path, lines, raw, msg):
    with pytest.raises(DatasetError, match=msg):
        load_dataset(_write(tmp_path, lines, raw=raw))


def test_metrics():
    rel = [False, True, False, True]
    assert metrics.recall_at(rel, 1) == 0.0 and metrics.recall_at(rel, 2) == 1.0
    assert metrics.reciprocal_rank(rel) == 0.5 and metrics.first_relevant_rank([False]) is None
    assert 0 < metrics.ndcg_at(rel, 4, 2) < 1 and metrics.ndcg_at([True, True], 2, 2) == pytest.approx(1.0)
    assert metrics.token_f1("", ["x"]) == 0.0 and metrics.token_f1("جنوب أفريقيا", ["جنوب إفريقيا"]) == 1.0
    assert metrics.precision_recall([True, False], [True, True]) == (1.0, 0.5)
    assert metrics.precision_recall([False], [False]) == (None, None)
    cal = metrics.calibrate_threshold([0.1, 0.2, 0.8, 0.9], [False, False, True, True])
    assert cal["recall"] == 1.0 and cal["false_abstention"] == 0.0 and 0.2 < cal["threshold"] <= 0.8


def test_rag_eval_on_another_dataset(built_index, tmp_path):
    ds = _write(tmp_path, [
        GOOD,
        {"id": "b", "question": "من يرافق بوتين إلى كوريا الشمالية؟", "answers": ["سيرغي لافروف", "لافروف"],
         "evidence": ["وزير الخارجية الروسي سيرغي لافروف"], "answerable": True},
        {"id": "c", "question": "ما طريقة تحضير الكبسة؟", "answers": [], "evidence": [], "answerable": False},
        {"id": "d", "question": "من هو رئيس فرنسا؟", "answers": ["ماكرون"], "evidence": ["إيمانويل ماكرون رئيس فرنسا"],
         "answerable": True},
        {"id": "e", "question": "من يرافق بوتين في رحلته إلى كوريا الشمالية؟", "answers": ["لافروف"],
         "evidence": ["وزير الخارجية الروسي سيرغي لافروف", "جملة لا توجد في أي مقال"], "answerable": True},
    ])
    out = tmp_path / "out"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    r = subprocess.run([sys.executable, "-m", "rag", "eval", "--dataset", str(ds), "--index", str(built_index),
                        "--corpus", str(ARTICLES), "--mode", "extractive", "--out", str(out)],
                       capture_output=True, text=True, timeout=600, cwd=ROOT, env=env)
    assert r.returncode == 0, r.stderr
    assert "evidence not found in the corpus" in r.stderr and "d" in r.stderr
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["n_questions"] == 5 and s["evidence_missing"] == {
        "d": ["إيمانويل ماكرون رئيس فرنسا"], "e": ["جملة لا توجد في أي مقال"]}
    assert "scored with the others): e" in r.stderr  # one evidence string left: still scored
    rows = {json.loads(x)["id"]: json.loads(x)
            for x in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()}
    assert rows["e"]["first_relevant_rank"]["hybrid"] is not None
    for key in ("recall_at_k", "mrr", "ndcg_at_k"):
        assert 0.0 <= s["retrieval"][key] <= 1.0
    assert set(s["retrieval"]["by_retriever"]) == {"hybrid", "dense", "bm25"}
    assert s["answer"]["mode"] == "extractive" and 0.0 <= s["answer"]["containment"] <= 1.0
    assert s["citations"]["valid"] == 1.0
    assert {"precision", "recall"} <= set(s["abstention"])
    assert "retrieval_total" in s["latency"] and "extractive_total" in s["latency"]
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c", "d", "e"] and rows[3]["evidence_missing"]
    assert rows[1]["answers"]["extractive"]["answer"]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "Retrieval ablation" in report and "| hybrid |" in report and "Evidence not found" in report
    assert (out / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_retrieval_only_omits_answer_metrics(built_index, tmp_path):
    from eval.runner import run_eval
    from rag.settings import load_settings

    ds = _write(tmp_path, [GOOD])
    s = run_eval(load_settings(env={}).replace(index=built_index, corpus=ARTICLES), dataset=ds, out=tmp_path / "o",
                 retrieval_only=True, show_progress=False)
    assert "answer" not in s and "citations" not in s and s["retrieval"]["recall_at_k"] == 1.0
