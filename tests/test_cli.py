import json
import os
import subprocess
import sys
from dataclasses import dataclass

import pytest
from conftest import ROOT

BRICS = "لماذا تغيب بوتين عن قمة بريكس؟"


def rag(*args, env=None, timeout=300):
    e = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "rag", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=e
    )


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys, monkeypatch):
    """`rag ...` in this process (rag.cli.main), like llm's CliRunner: the
    same parser, settings and exit codes as the subprocess, without paying
    Python's and numpy's start-up on every call."""
    from rag.cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(ROOT)

    def run(*args):
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as e:  # argparse refusals
            code = e.code
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


def test_help_is_instant_and_imports_nothing_heavy():
    code = ("import sys, rag.cli; rag.cli.build_parser(); print(sorted(m for m in "
            "('torch','gradio','llama_cpp','faiss','sentence_transformers','numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stderr
    assert rag("--help").returncode == 0


def test_search_json(built_index):
    r = rag("search", BRICS, "--k", "3", "--json", "--index", str(built_index))
    assert r.returncode == 0, r.stderr
    hits = json.loads(r.stdout)
    assert len(hits) == 3
    assert {"chunk_id", "score", "title", "source", "text"} <= set(hits[0])
    assert any("جنوب أفريقيا" in h["text"] and "المحكمة الجنائية الدولية" in h["text"] for h in hits)


def test_search_ranks_like_ask_with_the_same_settings(built_index):
    """`rag search` once ignored dense_weight, so it ranked unlike `rag ask`."""
    from index.store import IndexStore
    from rag.answer import Assistant
    from rag.settings import load_settings

    env = {"RAG_DENSE_WEIGHT": "0.2"}
    r = rag("search", "متى زار بوتين قرغيزستان؟", "--k", "5", "--json", "--index", str(built_index), env=env)
    assert r.returncode == 0, r.stderr
    s = load_settings(env=env).replace(index=built_index)
    expect = Assistant(s, store=IndexStore.load(built_index)).retriever.search("متى زار بوتين قرغيزستان؟", 5)
    assert [h["chunk_id"] for h in json.loads(r.stdout)] == [h.chunk.id for h in expect.hits]


def test_search_human_output(cli, built_index):
    r = cli("search", BRICS, "--k", "2", "--index", str(built_index))
    assert r.returncode == 0 and "[1]" in r.stdout and "[2]" in r.stdout and "[3]" not in r.stdout


@pytest.mark.parametrize("question", ["", "   ", "؟؟؟"])
def test_empty_question_is_a_clear_error(cli, built_index, question):
    for command in ("search", "ask"):  # a bad argument: exit 2, as the README says (a review saw 1)
        r = cli(command, question, "--index", str(built_index))
        assert r.returncode == 2 and "question is empty" in r.stderr and "Traceback" not in r.stderr


def test_huge_question_is_trimmed(cli, built_index):
    r = cli("search", "بوتين " * 4000, "--k", "1", "--index", str(built_index))
    assert r.returncode == 0 and "its start and its end were used" in r.stderr and "Traceback" not in r.stderr


def test_missing_index_is_a_clear_error(cli, tmp_path):
    r = cli("search", BRICS, "--index", str(tmp_path / "none"))
    assert r.returncode == 1 and "rag index build" in r.stderr and "Traceback" not in r.stderr


def test_build_status_and_skipped_exit_code(cli, corpus, tmp_path):
    idx = tmp_path / "idx"
    (corpus / "broken.txt").write_bytes(b"\xff\xfe\xfa bad")
    r = cli("index", "build", "--corpus", str(corpus), "--index", str(idx))
    assert r.returncode == 3, r.stderr
    assert "5 added" in r.stdout and "skipped: broken.txt: not valid UTF-8" in r.stdout
    p = corpus / "001_e0ceb109d2754a97.txt"
    p.write_text(p.read_text(encoding="utf-8") + "\nسطر جديد في الخبر للاختبار.", encoding="utf-8")
    s = cli("index", "status", "--corpus", str(corpus), "--index", str(idx))
    assert s.returncode == 0 and "changed since build: 001_e0ceb109d2754a97.txt" in s.stdout
    assert "use-m3" in s.stdout and "1 article stale" in s.stdout
    r2 = cli("index", "build", "--corpus", str(corpus), "--index", str(idx))
    assert "1 updated" in r2.stdout and "4 unchanged" in r2.stdout
    # removing: moved aside into <corpus>/.removed/ (recoverable), the next build drops it from the index
    rm = cli("index", "remove", "001_e0ceb109d2754a97.txt", "--corpus", str(corpus), "--index", str(idx))
    assert rm.returncode == 0 and "rag index build" in rm.stdout, rm.stderr
    kept = list((corpus / ".removed").rglob("001_e0ceb109d2754a97.txt"))
    assert len(kept) == 1 and "سطر جديد" in kept[0].read_text(encoding="utf-8") and not p.exists()
    r3 = cli("index", "build", "--corpus", str(corpus), "--index", str(idx))
    assert "1 removed" in r3.stdout and ".removed" not in r3.stdout
    bad = cli("index", "remove", "../outside.txt", "--corpus", str(corpus), "--index", str(idx))
    assert bad.returncode == 1 and "not in the articles folder" in bad.stderr and "Traceback" not in bad.stderr


def test_models_list_and_offline_pull():
    r = rag("models", "list")
    assert r.returncode == 0 and "use-m3" in r.stdout and "intfloat/multilingual-e5-base" in r.stdout
    p = rag("models", "pull", "intfloat/multilingual-e5-base", timeout=30)
    assert p.returncode == 1 and "Cannot download" in p.stderr and "Traceback" not in p.stderr


def test_settings_precedence(tmp_path):
    from rag.settings import load_settings

    cfg = tmp_path / "rag.toml"
    cfg.write_text('k = 7\nembedder = "use"\nchunk-size = 400\n', encoding="utf-8")
    s = load_settings(cfg, env={"RAG_K": "9"}, overrides={"k": None, "mode": "extractive"})
    assert (s.k, s.embedder, s.chunk_size, s.mode) == (9, "use", 400, "extractive")
    s2 = load_settings(cfg, env={"RAG_K": "9"}, overrides={"k": 3})
    assert s2.k == 3


@pytest.mark.parametrize("toml, msg", [("k = [", "not valid TOML"), ("colour = 1", "Unknown setting"),
                                       ('k = "many"', "must be int")])
def test_bad_settings(tmp_path, toml, msg):
    from index.errors import RagError
    from rag.settings import load_settings

    cfg = tmp_path / "rag.toml"
    cfg.write_text(toml, encoding="utf-8")
    with pytest.raises(RagError, match=msg):
        load_settings(cfg, env={})


@pytest.mark.parametrize("env", [{"RAG_K": "0"}, {"RAG_CHUNK_SIZE": "0"}, {"RAG_CHUNK_OVERLAP": "-1"},
                                 {"RAG_INDEX_TYPE": "bogus"}, {"RAG_MODE": "creative"}])
def test_out_of_range_settings_are_refused(env):
    from index.errors import RagError
    from rag.settings import load_settings

    with pytest.raises(RagError, match="Invalid settings"):
        load_settings(env=env)


def test_only_a_named_embedder_changes_the_index():
    from rag.settings import load_settings

    assert load_settings(env={}).build_embedder() is None  # keep the index's own
    assert load_settings(env={"RAG_EMBEDDER": "use"}).build_embedder() == "use"
    assert load_settings(env={}, overrides={"embedder": "use-m3"}).build_embedder() == "use-m3"


@pytest.mark.parametrize("args, code, msg", [
    (["search", BRICS, "--k", "0"], 2, "at least 1"),
    (["eval", "--limit", "-1"], 2, "at least 1"),
    (["ask", BRICS, "--llm-model", "x.gguf", "--llm-url", "http://127.0.0.1:9/v1"], 2, "not both"),
])
def test_bad_arguments_are_refused(cli, args, code, msg):
    r = cli(*args)
    assert r.returncode == code and msg in r.stderr and "Traceback" not in r.stderr


def test_os_errors_are_one_line(cli, corpus, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    r = cli("index", "build", "--corpus", str(corpus), "--index", str(blocker / "idx"))
    assert r.returncode == 1 and r.stderr.startswith("error:") and "Traceback" not in r.stderr


def test_output_into_a_closed_pipe_is_quiet(built_index):
    e = {**os.environ, "HF_HUB_OFFLINE": "1"}
    p = subprocess.Popen([sys.executable, "-m", "rag", "search", BRICS, "--index", str(built_index)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=e)
    p.stdout.close()  # like `| head -0`
    err = p.stderr.read().decode()
    p.wait(120)
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_missing_llm_warns_first_and_exits_4(cli, built_index, tmp_path):
    r = cli("ask", BRICS, "--index", str(built_index), "--llm-model", str(tmp_path / "none.gguf"), "--no-stream")
    assert r.returncode == 4 and r.stderr.startswith("warning: LLM unavailable") and "جنوب" in r.stdout


def test_ask_takes_earlier_turns_for_a_follow_up(cli, built_index, tmp_path):
    hist = tmp_path / "h.json"
    hist.write_text(json.dumps(["من سيرافق بوتين في زيارته إلى كوريا الشمالية؟"], ensure_ascii=False), encoding="utf-8")
    r = cli("ask", "وما الاتفاق الذي سيوقعه هناك؟", "--mode", "extractive", "--json", "--history", str(hist),
            "--index", str(built_index))
    assert r.returncode == 0, r.stderr
    ans = json.loads(r.stdout)
    assert ans["query"] != ans["question"] and "كوريا" in ans["query"] and not ans["abstained"]
    hist.write_text('{"not": "a list"}', encoding="utf-8")
    r = cli("ask", "ومتى؟", "--history", str(hist), "--index", str(built_index))
    assert r.returncode != 0 and "--history" in r.stderr and "Traceback" not in r.stderr


def test_manifest_with_bad_article_entries_says_rebuild_then_build_recovers(built_index, corpus, tmp_path, cli):
    """`articles` entries that are not objects gave a TypeError traceback in
    `rag index status` and the incremental `rag index build`."""
    import json
    import shutil

    from index.store import live_generation

    idx = tmp_path / "idx"
    shutil.copytree(built_index, idx)
    f = live_generation(idx) / "manifest.json"
    m = json.loads(f.read_text(encoding="utf-8"))
    m["articles"] = {k: "x" for k in m["articles"]}
    f.write_text(json.dumps(m), encoding="utf-8")
    for args in (["index", "status"], ["search", BRICS]):
        r = cli(*args, "--index", str(idx), "--corpus", str(corpus))
        assert r.returncode != 0 and "Traceback" not in r.stderr and "rag index build --full" in r.stderr, r
    r = cli("index", "build", "--index", str(idx), "--corpus", str(corpus))  # incremental: recovers
    assert r.returncode == 0, r
    r = cli("index", "status", "--index", str(idx), "--corpus", str(corpus))
    assert r.returncode == 0 and "up to date" in r.stdout, r


_CP1256 = "لماذا تغيب بوتين عن قمة بريكس؟".encode("cp1256")


@pytest.mark.parametrize("command", ["ask", "search"])
@pytest.mark.parametrize("question", [_CP1256, b"\xff", b"\xff\xfe", "لماذا تغيب بوتين ".encode() + b"\xff"
                                      + " عن قمة بريكس؟".encode()], ids=["cp1256", "ff", "fffe", "mixed"])
def test_questions_that_are_not_utf8_in_argv_are_handled(built_index, command, question):
    """A question that is not valid UTF-8 (cp1256 Arabic, a stray 0xff byte)
    crashed `rag ask` and `rag search` with UnicodeEncodeError.  The real CLI,
    with the bytes in its argv: a clear error, or an answer with a note."""
    e = {**os.environ, "HF_HUB_OFFLINE": "1"}
    r = subprocess.run([sys.executable.encode(), b"-m", b"rag", command.encode(), question, b"--index",
                        str(built_index).encode()], capture_output=True, cwd=ROOT, env=e, timeout=300)
    out, err = r.stdout.decode("utf-8"), r.stderr.decode("utf-8")  # what it prints is valid UTF-8
    assert "Traceback" not in err and "UnicodeEncodeError" not in err, err
    if r.returncode == 0:
        assert "not valid UTF-8 were dropped" in err + out
    else:
        assert r.returncode == 2 and "not valid UTF-8" in err, (r.returncode, err)
    if question.startswith("لماذا".encode()) and command == "search":
        assert r.returncode == 0 and "[1]" in out  # the valid part is still searched


def test_citation_markers_with_thousands_of_digits_do_not_crash_rag_ask(built_index):
    """A citation marker with thousands of digits crashed `rag ask` with
    ValueError (int() refuses more than 4,300 digits): in the question, and
    written by the model (an LLM server here)."""
    from eval.bench.standin_llm import standin_llm

    huge = "[" + "9" * 5000 + "]"
    e = {**os.environ, "HF_HUB_OFFLINE": "1"}
    r = rag("ask", f"لماذا تغيب بوتين عن قمة بريكس؟ {huge}", "--index", str(built_index), "--no-stream", env=e)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    reply = f"تغيب بوتين عن قمة بريكس بسبب مذكرة التوقيف {huge}. وأيضاً [1, {'٩' * 4400}]."
    with standin_llm(0.0, reply=reply) as srv:
        r = rag("ask", "لماذا تغيب بوتين عن قمة بريكس؟", "--index", str(built_index), "--llm-url", srv.url,
                "--mode", "generative", "--no-stream", "--json", env=e)
    assert r.returncode in (0, 4) and "Traceback" not in r.stderr and "ValueError" not in r.stderr, r.stderr
    d = json.loads(r.stdout)
    assert "9999999" not in d["answer"] and all(c["n"] < 100 for c in d["citations"])
