"""Many API clients at once against a real `rag chat` server on loopback.

Two loads, both bounded in count and time: ``clients`` threads, each with its
own gradio_client, asking ``per_client`` questions one after another through
the stateless ``/ask`` endpoint; then a burst of ``burst`` questions submitted
at once, more than the queue holds (ui/app.py: ``max_size=64``), to show that
the server turns the surplus away with "queue is full" and keeps serving: once
from one client and once from as many clients as questions (one gradio_client
submitted them a few at a time, so the queue never filled).

``measure_models`` (its own section, ``models``): a chat offering three copies
of the bundled GGUF; clients choose models by every spelling of a path (the
server must refuse them and its memory stay flat: each spelling once loaded
another model copy, four requests took a server from 795 to 2,393 MB), then
switch between the offered ones A, B, C, A, B, C... (each choice once stayed
loaded: 606 -> 1,006 -> 1,407 MB); the server's RSS after every choice.
The server runs the default settings (auto mode: with the bundled base model,
the checked evidence answer), so this measures what a crowd of users gets.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from .memory import ROOT, _env, _free_port, _proc_status, stop
from .stats import percentile, summary


def start_chat(s, work: Path, env: dict | None = None, log_name: str = "load-server") -> tuple[subprocess.Popen, int]:
    """A `rag chat` on a free loopback port (``env``: extra RAG_* settings); returns it and its port."""
    port = _free_port()
    cmd = [sys.executable, "-m", "rag", "chat", "--port", str(port), "--host", "127.0.0.1", "--index",
           str(s.index), "--corpus", str(s.corpus)]
    log = work / f"{log_name}.log"
    with log.open("wb") as fh:
        p = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env={**_env(), **(env or {})}, cwd=ROOT)
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 180 and p.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return p, port
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"chat server did not start: {log.read_text(errors='replace')[-300:]}")


def _kind(e: Exception) -> str:
    msg = str(e).lower()
    return "queue_full" if "queue" in msg and "full" in msg else type(e).__name__


def _crowd_burst(url: str, questions: list[str], n: int, deadline: float) -> dict:
    """``n`` clients, each submitting one question at the same moment."""
    from gradio_client import Client

    out: dict[str, int] = {}
    lock, go = threading.Lock(), threading.Event()

    def one(i: int) -> None:
        try:
            c = Client(url, verbose=False)
            go.wait(60)
            got = c.predict(questions[i % len(questions)], api_name="/ask")
            kind = "abstained" if got.get("abstained") else "answered"
        except Exception as e:  # noqa: BLE001 - counted
            kind = _kind(e)
        with lock:
            out[kind] = out.get(kind, 0) + 1

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    time.sleep(min(30.0, 0.25 * n))  # the clients connect first, then all ask at once
    t0 = time.perf_counter()
    go.set()
    for t in threads:
        t.join(max(1.0, deadline - time.perf_counter()))
    return {"clients": n, "outcomes": out, "wall_s": time.perf_counter() - t0}


def _model_choice(url: str, pid: int, question: str, rounds: int = 5) -> dict:
    """Clients choosing models by every spelling of a path, and the offered
    one: the refusals (all alike, no path echoed) and the server's RSS."""
    from gradio_client import Client

    from rag.models import BUNDLED_LLM, bundled_gguf

    path = str(bundled_gguf())
    head, name = path.rsplit("/", 1)
    spellings = [path, f"{head}//{name}", f"{head}/./{name}", f"{head}/../{head.rsplit('/', 1)[1]}/{name}",
                 "/etc/passwd", "/no/such/model.gguf", BUNDLED_LLM]
    c = Client(url, verbose=False)
    before = _proc_status(pid)["VmRSS"]
    refused: dict[str, int] = {}
    answered = 0
    for _ in range(rounds):
        for m in spellings:
            try:
                c.predict(question, "", 0, m, api_name="/ask")
                answered += 1
            except Exception as e:  # noqa: BLE001 - a refusal is the expected outcome
                msg = str(e)
                refused[msg] = refused.get(msg, 0) + 1
    after = _proc_status(pid)["VmRSS"]
    return {"requests": rounds * len(spellings), "answered": answered, "refusals": refused,
            "rss_before_mb": before, "rss_after_mb": after, "rss_growth_mb": after - before}


def _offer_copies(home: Path, n: int = 3) -> list[str]:
    """A models folder (RAG_HOME) offering ``n`` copies of the bundled GGUF
    besides it (the bundled one hard-linked: not assembled again)."""
    import os
    import shutil

    from rag.models import bundled_gguf

    real = bundled_gguf()
    (home / "models").mkdir(parents=True, exist_ok=True)
    try:
        os.link(real, home / "models" / real.name)
    except OSError:
        shutil.copy(real, home / "models" / real.name)
    out = []
    for i in range(n):
        dst = home / "models" / f"offered-{chr(97 + i)}.gguf"
        shutil.copy(real, dst)
        out.append(str(dst))
    return out


def _model_switching(url: str, pid: int, question: str, models: list[str], rounds: int, model_mb: float) -> dict:
    """Choose the offered models in turn (A, B, C, A, B, C, ...): the server's RSS after each."""
    from gradio_client import Client

    c = Client(url, verbose=False)
    start = _proc_status(pid)["VmRSS"]
    rss, failed = [], 0
    for _ in range(rounds):
        for m in models:
            try:
                c.predict(question, "", 0, m, api_name="/ask")
            except Exception:  # noqa: BLE001 - counted
                failed += 1
            rss.append(_proc_status(pid)["VmRSS"])
    return {"models": len(models), "rounds": rounds, "choices": len(rss), "failed": failed,
            "rss_start_mb": start, "rss_after_each_mb": [round(x) for x in rss],
            "rss_max_mb": max(rss), "rss_last_mb": rss[-1],
            "model_mb": model_mb}


def measure_models(s, questions: list[str], work: Path, rounds: int = 5) -> dict:
    """A chat offering three copies of the bundled GGUF: refused spellings, then switching."""
    home = work / "models-home"
    offered = _offer_copies(home)
    # auto mode: choosing a model loads it (to see whether it follows instructions)
    p, port = start_chat(s, work, env={"RAG_HOME": str(home)}, log_name="models-server")
    url = f"http://127.0.0.1:{port}/"
    try:
        from gradio_client import Client

        Client(url, verbose=False).predict(questions[0], api_name="/ask")  # the default, as a first client has it
        choice = _model_choice(url, p.pid, questions[0], rounds=rounds)
        switching = _model_switching(url, p.pid, questions[0], [Path(m).name for m in offered], max(2, rounds),
                                     Path(offered[0]).stat().st_size / 2**20)
        return {"model_choice": choice, "switching": switching, "peak_rss_mb": _proc_status(p.pid)["VmHWM"],
                "what": "`rag chat` (default settings, RAG_HOME offering 3 copies of the bundled GGUF), "
                        "gradio_client calling /ask with a model"}
    finally:
        stop(p)


def measure_load(s, questions: list[str], work: Path, clients: int = 16, per_client: int = 5,
                 burst: int = 120, timeout: float = 600, crowd: int = 120) -> dict:
    from gradio_client import Client

    p, port = start_chat(s, work)
    url = f"http://127.0.0.1:{port}/"
    try:
        times: list[float] = []
        outcomes: dict[str, int] = {}
        lock = threading.Lock()
        deadline = time.perf_counter() + timeout

        def client_run(i: int) -> None:
            c = Client(url, verbose=False)
            for j in range(per_client):
                if time.perf_counter() > deadline:
                    return
                q = questions[(i * per_client + j) % len(questions)]
                t1 = time.perf_counter()
                try:
                    got = c.predict(q, api_name="/ask")
                    kind = "abstained" if got.get("abstained") else "answered"
                except Exception as e:  # noqa: BLE001 - counted, not raised: the load goes on
                    kind = _kind(e)
                with lock:
                    times.append(time.perf_counter() - t1)
                    outcomes[kind] = outcomes.get(kind, 0) + 1

        t0 = time.perf_counter()
        threads = [threading.Thread(target=client_run, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0

        c = Client(url, verbose=False)
        t0 = time.perf_counter()
        jobs = [c.submit(questions[i % len(questions)], api_name="/ask") for i in range(burst)]
        burst_out: dict[str, int] = {}
        for job in jobs:
            try:
                got = job.result(timeout=max(1.0, deadline - time.perf_counter()))
                kind = "abstained" if got.get("abstained") else "answered"
            except Exception as e:  # noqa: BLE001
                kind = _kind(e)
            burst_out[kind] = burst_out.get(kind, 0) + 1
        burst_wall = time.perf_counter() - t0
        crowd_out = _crowd_burst(url, questions, crowd, deadline) if crowd else None
        # the server still answers after the bursts
        alive = "answer" in Client(url, verbose=False).predict(questions[0], api_name="/ask")
        st = _proc_status(p.pid)
        return {
            "clients": clients, "per_client": per_client, "requests": len(times), "outcomes": outcomes,
            "answer_s": summary(times), "answer_p95_s": percentile(times, 95), "wall_s": wall,
            "throughput_per_s": len(times) / wall if wall else 0.0,
            "burst": {"submitted": burst, "outcomes": burst_out, "wall_s": burst_wall, "served_after": alive},
            "crowd_burst": crowd_out,
            "peak_rss_mb": st["VmHWM"],
            "what": "`rag chat` server (default settings) on loopback, gradio_client threads calling /ask",
        }
    finally:
        stop(p)
