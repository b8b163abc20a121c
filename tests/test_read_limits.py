"""Reading articles under limits (index/reader.py), on real files made by
eval/bench/hostile.py and read by the real child process: a 77 KB PDF whose
500 pages share one heavy stream stalled every rebuild for 300 s, again and
again; a 1e6-deep HTML file took 809 MB in the main process."""

import shutil
import time

import pytest
from conftest import ARTICLES

from eval.bench.hostile import deep_html, heavy_pdf, many_runs_docx
from index import documents, reader
from index.load import LoadProblem, Skip, load_corpus, load_file


@pytest.fixture(autouse=True)
def _private_caches(tmp_path, monkeypatch):
    """Texts and failures kept in this test's folder; the limits restored after it."""
    monkeypatch.setattr(documents, "_cache_dir", lambda: tmp_path / "doc-cache")
    monkeypatch.setattr(reader, "_cache_dir", lambda: tmp_path / "doc-cache")
    monkeypatch.setattr(documents, "_CACHE", type(documents._CACHE)())
    monkeypatch.setattr(reader, "_limits", reader._limits)


def _count_reads(monkeypatch) -> list[str]:
    reads: list[str] = []
    real = reader.read_in_child

    def spy(kind, path, rel="", budget=None):
        reads.append(path.name)
        return real(kind, path, rel, budget)

    monkeypatch.setattr(reader, "read_in_child", spy)
    return reads


@pytest.mark.slow
def test_a_slow_pdf_is_read_once_and_the_next_build_takes_seconds(tmp_path, monkeypatch, capsys):
    from rag.cli import main

    corpus = tmp_path / "articles"
    shutil.copytree(ARTICLES, corpus)
    pdf = heavy_pdf(corpus / "heavy.pdf")
    monkeypatch.setenv("RAG_READ_SECONDS", "5")  # a setting; 5 + 30 s/MB = 7.6 s for this file
    args = ["--index", str(tmp_path / "index"), "--corpus", str(corpus)]
    reads = _count_reads(monkeypatch)
    t0 = time.perf_counter()
    assert main(["index", "build", *args]) == 3  # built, one file skipped
    first = time.perf_counter() - t0
    assert reads.count("heavy.pdf") == 1
    budget = reader.limits().budget(pdf.stat().st_size)
    assert reader.limits().seconds == 5 and budget < 10
    assert main(["index", "status", *args]) == 0
    out = capsys.readouterr().out
    assert "heavy.pdf: too complex to read safely (reading took longer than" in out
    assert "failed before and is not read again until it changes" in out
    t0 = time.perf_counter()
    assert main(["index", "build", *args]) == 3  # nothing changed
    again = time.perf_counter() - t0
    assert reads.count("heavy.pdf") == 1 and again < budget < first, (first, again)

    with pdf.open("ab") as fh:  # the file changes: it is read again
        fh.write(b"\n% changed\n")
    assert main(["index", "status", *args]) == 0
    assert reads.count("heavy.pdf") == 2


def test_an_upload_that_fails_a_quick_read_is_refused_at_once(tmp_path, monkeypatch):
    from ui.articles import UploadError, save_upload

    monkeypatch.setattr(reader, "_limits", reader.ReadLimits(seconds=2, seconds_per_mb=0))
    pdf = heavy_pdf(tmp_path / "heavy.pdf")
    corpus = tmp_path / "articles"
    t0 = time.perf_counter()
    with pytest.raises(UploadError) as e:
        save_upload(pdf, "تقرير.pdf", corpus)
    assert e.value.kw["reason"] == (Skip.TOO_COMPLEX,) and time.perf_counter() - t0 < 10
    t0 = time.perf_counter()
    with pytest.raises(UploadError):  # the same file again: refused without reading it
        save_upload(pdf, "نسخة.pdf", corpus)
    assert time.perf_counter() - t0 < 1.5
    assert not [f for f in corpus.iterdir() if not f.name.startswith(".")]


def test_every_parser_runs_in_the_child_not_in_this_process(tmp_path, monkeypatch):
    """HTML, Markdown, JSONL and DOCX parsed in the limited child: the
    parsers are broken in this process, and every file still loads."""
    from index import load

    (tmp_path / "a.html").write_text("<html><body><h1>عنوان الخبر</h1><p>نص الخبر في صفحة ويب عربية.</p></body></html>",
                                     encoding="utf-8")
    (tmp_path / "b.md").write_text("# عنوان\n\nنص المقال بصيغة ماركداون هنا.\n", encoding="utf-8")
    (tmp_path / "c.jsonl").write_text('{"id": "1", "text": "نص السجل الأول في الملف"}\n{"id": 2}\n', encoding="utf-8")
    many_runs_docx(tmp_path / "d.docx", runs=50)

    def broken(*a, **k):
        raise AssertionError("parsed in the main process")

    for name in ("_html_text", "_markdown_text", "_load_jsonl", "parse_text"):
        monkeypatch.setattr(load, name, broken)
    monkeypatch.setattr(documents, "_read_docx", broken)
    arts, skipped = load_corpus(tmp_path)
    assert sorted(a.source for a in arts) == ["a.html", "b.md", "c.jsonl", "d.docx"]
    assert [(s.source, s.code) for s in skipped] == [("c.jsonl:2", Skip.NO_TEXT_FIELD)]


def test_a_time_out_is_tried_again_when_the_budget_is_raised(tmp_path, monkeypatch):
    pdf = heavy_pdf(tmp_path / "heavy.pdf", pages=50)
    monkeypatch.setattr(reader, "_limits", reader.ReadLimits(seconds=0.5, seconds_per_mb=0))
    with pytest.raises(LoadProblem) as e:
        load_file(pdf, "heavy.pdf")
    assert e.value.code == Skip.TOO_COMPLEX and not e.value.remembered
    with pytest.raises(LoadProblem) as e:
        load_file(pdf, "heavy.pdf")
    assert e.value.remembered
    reads = _count_reads(monkeypatch)
    monkeypatch.setattr(reader, "_limits", reader.ReadLimits(seconds=1.0, seconds_per_mb=0))
    with pytest.raises(LoadProblem) as e:  # a larger budget: read again (and still too slow)
        load_file(pdf, "heavy.pdf")
    assert reads == ["heavy.pdf"] and not e.value.remembered


@pytest.mark.slow
def test_a_million_deep_html_file_costs_the_main_process_nothing(tmp_path):
    """It took 18 s and 809 MB in the main process; now the child pays."""
    import resource

    path = deep_html(tmp_path / "deep.html")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    arts, _ = load_file(path, "deep.html")
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert arts and "نص المقال هنا في العمق" in arts[0].text
    assert grown_mb < 100 and reader.last_peak_mb > grown_mb, (grown_mb, reader.last_peak_mb)
