"""The real bundled GGUF through llama.cpp, in-process and behind the
OpenAI-compatible llama.cpp server.  Slow (seconds per answer), still in CI."""

import json
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from conftest import ROOT

from index.store import IndexStore
from rag.answer import Answer, Assistant, Checking
from rag.generate import LlamaCppGenerator, flatten
from rag.http_generator import OpenAIHTTPGenerator
from rag.models import bundled_gguf
from rag.notices import Code, Notice
from rag.prompt import build_prompt
from rag.query import analyse_query
from rag.settings import load_settings

BRICS = "لماذا تغيب بوتين عن قمة بريكس؟"
pytestmark = pytest.mark.slow


def _icc_cited(ans: Answer) -> bool:
    return any("جنوب أفريقيا" in c.text and "المحكمة الجنائية الدولية" in c.text for c in ans.citations)


@pytest.fixture(scope="module")
def gguf():
    return bundled_gguf()


def test_bundled_gguf_generates_arabic(gguf):
    gen = LlamaCppGenerator(gguf, n_ctx=2048)
    assert gen.context_size == 2048 and not gen.chat  # a base model: completion prompt
    text = "".join(gen.stream([{"role": "user", "content": "السؤال: ما عاصمة مصر؟\nالجواب:"}], 24, 0.0, ["\n"]))
    assert text.strip() and any("\u0600" <= ch <= "\u06ff" for ch in text)


class Recording:
    """A generator that keeps every piece the model streamed."""

    def __init__(self, gen):
        self.gen, self.pieces = gen, []

    def __getattr__(self, name):
        return getattr(self.gen, name)

    def stream(self, *args, **kw):
        for piece in self.gen.stream(*args, **kw):
            self.pieces.append(piece)
            yield piece


def _streamed_and_checked(ans: Answer, events: list, gen: Recording, wrote: bool = True) -> None:
    """What any machine's greedy output must satisfy (never what it says): the
    model wrote Arabic text (``wrote``), all of which reached ``Answer.raw``; the
    text streamed to the reader is the final text; every sentence kept from the
    model is supported and cites a passage shown.  Whether its sentences are kept
    or replaced by the evidence answer depends on the machine's greedy output:
    tests/test_generative.py checks both paths with a fixed answer."""
    assert ans.raw == "".join(gen.pieces) and ans.timings["tokens"] == len(gen.pieces)  # all it wrote, as streamed
    shown = "".join(e for e in events if isinstance(e, str)).strip()
    assert shown == ans.text.strip()
    if wrote:
        assert any("\u0600" <= ch <= "\u06ff" for ch in ans.raw), ans.raw  # an answer, not nothing or noise
    elif not gen.pieces:  # said so, and the evidence answered
        assert Notice(Code.MODEL_EMPTY) in ans.notices and ans.mode == "extractive", ans.notices
        return
    if ans.mode == "generative":
        assert ans.sentences and all(s.supported and s.cited and s.spans for s in ans.sentences)
        assert ans.citations and all(ans.passages[c.n - 1].chunk_id == c.chunk_id for c in ans.citations)
    else:  # none of its sentences passed: said, and nothing of the model's shown
        assert Notice(Code.MODEL_UNSUPPORTED) in ans.notices and ans.rejected >= 1 or ans.abstained


def _recording(s) -> Recording:
    from rag.generators import get_generator

    return Recording(get_generator(s.llm_model, s.llm_url, s.llm_ctx, s.llm_threads, s.llm_timeout))


def test_warm_puts_the_instructions_in_the_kv_cache(built_index, gguf):
    s = load_settings(env={}).replace(index=built_index, mode="generative")
    a = Assistant(s, store=IndexStore.load(built_index))
    a.warm()
    gen = a.generator()
    system = gen.count_tokens(flatten(
        build_prompt(analyse_query("?"), [], "ar", gen.count_tokens, 4096, 64, False).messages[:1]))
    assert gen._llm.n_tokens >= system  # the prefix the next question reuses


def test_generative_answer_streams_checked_sentences(built_index, gguf):
    s = load_settings(env={}).replace(index=built_index, mode="generative")
    gen = _recording(s)
    events = list(Assistant(s, store=IndexStore.load(built_index), generator=gen).stream(BRICS))
    ans = events[-1]
    assert isinstance(ans, Answer) and isinstance(events[0], Checking)  # "checking" before any model text
    assert ans.timings["ttft"] > 0 and len(gen.pieces) > 1 and "first_checked" in ans.timings
    _streamed_and_checked(ans, events, gen)


def test_auto_mode_with_the_bundled_base_model_answers_with_evidence(built_index, gguf):
    s = load_settings(env={}).replace(index=built_index)  # the default: auto
    a = Assistant(s, store=IndexStore.load(built_index))
    assert a.resolve_mode() == ("extractive", "base_model")
    ans = a.ask(BRICS)
    assert ans.mode == "extractive" and ans.why_mode == "base_model" and _icc_cited(ans)
    assert "عضو في المحكمة الجنائية الدولية" in ans.text  # the reason, not a sentence near it


def test_cli_ask_default_and_generative(built_index):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    r = subprocess.run([sys.executable, "-m", "rag", "ask", BRICS, "--index", str(built_index)],
                       capture_output=True, text=True, timeout=600, cwd=ROOT, env=env)
    assert r.returncode == 0, r.stderr
    assert "Sources:" in r.stdout and "جنوب أفريقيا" in r.stdout and "Traceback" not in r.stderr
    assert "base model" in r.stderr  # says which answers and why
    r = subprocess.run([sys.executable, "-m", "rag", "ask", BRICS, "--mode", "generative", "--json",
                        "--index", str(built_index)], capture_output=True, text=True, timeout=600, cwd=ROOT, env=env)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert {"answer", "abstained", "citations", "passages", "timings", "raw", "rejected"} <= set(d)
    assert d["abstained"] or {"n", "chunk_id", "title", "source", "text"} <= set(d["citations"][0])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(gguf):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1", "--port", str(port),
         "--n_ctx", "4096", "--model_alias", "gemma3-270m"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(240):
            try:
                if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                pytest.fail("llama_cpp.server exited early")
            time.sleep(0.5)
        else:
            pytest.fail("llama_cpp.server did not start in 120 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_http_backend_answers_through_llama_cpp_server(built_index, llama_server):
    gen = Recording(OpenAIHTTPGenerator(llama_server))
    assert gen.model == "gemma3-270m"
    msgs = [{"role": "system", "content": "أجب"}, {"role": "user", "content": "ما عاصمة مصر؟"}]
    pieces = list(gen.stream(msgs, 32, 0.1, None))
    assert len(pieces) > 1 and "".join(pieces).strip()  # streamed over HTTP, piece by piece
    gen.pieces.clear()
    s = load_settings(env={}).replace(index=built_index, llm_url=llama_server, max_tokens=64)
    events = list(Assistant(s, store=IndexStore.load(built_index), generator=gen).stream(BRICS, mode="generative"))
    ans = events[-1]
    assert ans.timings["prompt_tokens"] > 0 and "generate" in ans.timings
    # The base model behind the server's chat template often ends its turn at once (measured:
    # no text for this prompt); that it streams over HTTP is asserted above, that a written answer
    # is kept or replaced in tests/test_generative.py.
    _streamed_and_checked(ans, events, gen, wrote=False)


def test_http_backend_down_is_a_clear_error():
    from index.errors import ModelError

    with pytest.raises(ModelError, match="No OpenAI-compatible server"):
        OpenAIHTTPGenerator(f"http://127.0.0.1:{_free_port()}/v1", timeout=2)


def test_the_deadline_holds_inside_prompt_processing(gguf):
    """A 60,000-character question once took 143 s against a 120 s limit: the
    limit was checked between tokens only.  llama.cpp's abort callback now
    stops prompt processing itself; the model answers normally afterwards."""
    from rag.generate import GenerationError

    gen = LlamaCppGenerator(gguf)
    long_prompt = [{"role": "user", "content": "السؤال: " + "ما هي عاصمة مصر؟ " * 500 + "\nالجواب:"}]
    t0 = time.monotonic()
    with pytest.raises(GenerationError, match="time limit"):
        for _ in gen.stream(long_prompt, 8, 0.0, ["\n"], deadline=time.monotonic() + 0.3):
            pass
    stopped = time.monotonic() - t0
    t0 = time.monotonic()
    text = "".join(gen.stream(long_prompt, 2, 0.0, []))  # the same prompt, no deadline: read in full
    full = time.monotonic() - t0
    assert stopped < full / 3, (stopped, full)  # ratio, not seconds: any machine
    assert text is not None and gen.count_tokens(text) <= 4
    # the context still works after an abort: a short question is read and answered (no error raised)
    list(gen.stream([{"role": "user", "content": "السؤال: ما عاصمة مصر؟\nالجواب:"}], 8, 0.0, ["\n"]))
