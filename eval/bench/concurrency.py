"""With an LLM server (`--llm-url`), how much does answering several questions at once buy?

The same `rag chat` (generative mode, the bundled index) is started twice per
LLM server: once writing one answer at a time (``RAG_ANSWER_CONCURRENCY=1``)
and once with the automatic setting for a server (``Settings.answers_at_once``:
4).  ``clients`` API clients then ask one question each at the same moment;
the wall time until the last answer is the number compared.  Two servers:

- a stand-in that takes ``delay`` seconds per answer however many it gets at
  once (standin_llm.py): a GPU server such as vLLM, which batches requests.
  This isolates what the chat itself does with concurrency.
- the real ``llama_cpp.server`` with the bundled GGUF on this machine's CPU
  (full runs only): what a user without a GPU gets.  It decodes one request
  at a time, so only retrieval and checking overlap with generation.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from .load import _kind, start_chat
from .memory import _env, _free_port, stop
from .standin_llm import standin_llm
from .stats import summary


def _round(s, questions: list[str], work: Path, url: str, at_once: int, clients: int, llm=None) -> dict:
    from gradio_client import Client

    env = {"RAG_LLM_URL": url, "RAG_MODE": "generative", "RAG_ANSWER_CONCURRENCY": str(at_once)}
    p, port = start_chat(s, work, env, log_name=f"concurrency-{at_once}")
    chat = f"http://127.0.0.1:{port}/"
    try:
        Client(chat, verbose=False).predict(questions[0], api_name="/ask")  # warm: index, embedder, connection
        if llm is not None:
            llm.reset()
        times: list[float] = []
        outcomes: dict[str, int] = {}
        lock, go = threading.Lock(), threading.Event()

        def ask(i: int) -> None:
            c = Client(chat, verbose=False)
            go.wait(60)
            t1 = time.perf_counter()
            try:
                got = c.predict(questions[i % len(questions)], api_name="/ask")
                kind = got.get("mode", "?")
            except Exception as e:  # noqa: BLE001 - counted
                kind = _kind(e)
            with lock:
                times.append(time.perf_counter() - t1)
                outcomes[kind] = outcomes.get(kind, 0) + 1

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        time.sleep(min(10.0, 0.5 * clients))  # every client connected before anyone asks
        t0 = time.perf_counter()
        go.set()
        for t in threads:
            t.join(600)
        return {"answers_at_once": at_once, "clients": clients, "wall_s": time.perf_counter() - t0,
                "answer_s": summary(times), "outcomes": outcomes,
                "most_in_flight": llm.most if llm is not None else None}
    finally:
        stop(p)


@contextmanager
def _llama_server(gguf: Path):
    import httpx

    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
                             "--port", str(port), "--n_ctx", "4096"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env())
    url = f"http://127.0.0.1:{port}/v1"
    try:
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 180:
            if proc.poll() is not None:
                raise RuntimeError("llama_cpp.server exited at start")
            try:
                if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        yield url
    finally:
        stop(proc)


def measure_answer_concurrency(s, questions: list[str], work: Path, clients: int = 8, delay: float = 2.0,
                               real_server: bool = True, real_clients: int = 4) -> dict:
    """One answer at a time against several at once, per LLM server (see the module's docstring)."""
    out: dict = {"standin_delay_s": delay, "rows": []}
    with standin_llm(delay) as llm:
        for at_once in (1, 4):
            out["rows"].append({"server": f"stand-in, {delay:g} s per answer", **_round(
                s, questions, work, llm.url, at_once, clients, llm)})
    if real_server:
        from rag.models import bundled_gguf

        with _llama_server(bundled_gguf()) as url:
            for at_once in (1, 4):
                out["rows"].append({"server": "llama_cpp.server, bundled GGUF, CPU", **_round(
                    s, questions, work, url, at_once, real_clients)})
    return out


def speedups(m: dict) -> dict[str, float]:
    """Wall time one at a time / several at once, per server.

    >>> speedups({"rows": [{"server": "a", "answers_at_once": 1, "wall_s": 8.0},
    ...                    {"server": "a", "answers_at_once": 4, "wall_s": 2.0}]})
    {'a': 4.0}
    """
    walls: dict[str, dict[int, float]] = {}
    for row in m["rows"]:
        walls.setdefault(row["server"], {})[row["answers_at_once"]] = row["wall_s"]
    return {srv: w[1] / w[4] for srv, w in walls.items() if 1 in w and 4 in w and w[4] > 0}
