"""The LLM deadline is a total from the request's start: an HTTP server that
trickles keep-alive lines or bytes, or writes tokens slowly, and the wait for
a model busy with another answer, all end at the deadline.  A real HTTP server
(eval/bench/standin_llm.py) misbehaves; the real bundled GGUF holds the lock."""

import time

import pytest

from eval.bench.standin_llm import standin_llm
from rag.generate import GenerationError
from rag.http_generator import OpenAIHTTPGenerator

MSG = [{"role": "user", "content": "سؤال"}]


@pytest.mark.parametrize("misbehave", [{"keepalive": 0.1}, {"trickle": 0.1}, {"token_delay": 0.4}])
def test_http_llm_deadline_is_total_whatever_the_server_trickles(misbehave):
    """httpx's timeout is per read: keep-alive lines every 0.1 s (or one byte
    of a line every 0.1 s) for 30 s kept a stream with a 2 s limit open 30 s,
    and no line was checked against the clock."""
    reply = " ".join(["كلمة"] * 100)
    with standin_llm(0.0 if "token_delay" in misbehave else 30.0, reply=reply, **misbehave) as srv:
        gen = OpenAIHTTPGenerator(srv.url, timeout=2.0)
        t0 = time.monotonic()
        got = []
        with pytest.raises(GenerationError, match="time limit"):
            for piece in gen.stream(MSG, 64, deadline=time.monotonic() + 2.0):
                got.append(piece)
        took = time.monotonic() - t0
    assert 1.9 < took < 3.0, took
    if "token_delay" in misbehave:
        assert 0 < len(got) < 100  # what came in time was streamed


def test_http_llm_without_a_deadline_stops_at_its_timeout():
    with standin_llm(30.0, keepalive=0.1) as srv:
        gen = OpenAIHTTPGenerator(srv.url, timeout=1.5)
        t0 = time.monotonic()
        with pytest.raises(GenerationError, match="time limit"):
            list(gen.stream(MSG, 8))
        assert time.monotonic() - t0 < 2.5


def test_a_well_behaved_http_llm_still_answers():
    with standin_llm(0.2, keepalive=0.05) as srv:
        text = "".join(OpenAIHTTPGenerator(srv.url, timeout=5).stream(MSG, 8, deadline=time.monotonic() + 5))
    assert text == "لا تذكر المقالات ذلك."


@pytest.mark.slow
def test_waiting_for_a_busy_model_counts_against_the_deadline():
    """The wait for the model lock was unbounded: an answer in flight (here a
    real stream, suspended like a slow client) held every other one back."""
    from rag.generate import LlamaCppGenerator
    from rag.models import bundled_gguf

    gen = LlamaCppGenerator(bundled_gguf())
    busy = gen.stream([{"role": "user", "content": "السؤال: ما عاصمة مصر؟\nالجواب:"}], 64, 0.0, [])
    next(busy)  # in flight: holds the model
    try:
        t0 = time.monotonic()
        with pytest.raises(GenerationError, match="busy"):
            list(gen.stream(MSG, 8, 0.0, [], deadline=time.monotonic() + 1.0))
        assert time.monotonic() - t0 < 1.5
    finally:
        busy.close()
    assert list(gen.stream(MSG, 2, 0.0, [], deadline=time.monotonic() + 30)) is not None  # free again


@pytest.mark.slow
def test_rag_ask_with_a_trickling_llm_server_ends_at_its_timeout(built_index):
    """End to end: `rag ask --llm-url` against a server sending keep-alive
    lines for 60 s, with a 3 s limit, answers from the evidence in seconds."""
    import os
    import subprocess
    import sys

    from conftest import ROOT

    with standin_llm(60.0, keepalive=0.2) as srv:
        t0 = time.monotonic()
        r = subprocess.run([sys.executable, "-m", "rag", "ask", "لماذا تغيب بوتين عن قمة بريكس؟", "--index",
                            str(built_index), "--llm-url", srv.url, "--mode", "generative", "--no-stream"],
                           capture_output=True, text=True, cwd=ROOT, timeout=120,
                           env={**os.environ, "HF_HUB_OFFLINE": "1", "RAG_LLM_TIMEOUT": "3"})
        took = time.monotonic() - t0
    assert r.returncode == 4 and "Traceback" not in r.stderr, r  # answered, not by the LLM
    assert "time limit" in r.stdout + r.stderr and took < 30, took
