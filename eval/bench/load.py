"""Many API clients at once against a real `rag chat` server on loopback.

Two loads, both bounded in count and time: ``clients`` threads, each with its
own gradio_client, asking ``per_client`` questions one after another through
the stateless ``/ask`` endpoint; then a burst of ``burst`` questions submitted
at once, more than the queue holds (ui/app.py: ``max_size=64``), to show that
the server turns the surplus away with "queue is full" and keeps serving.
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


def _start(s, work: Path) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    cmd = [sys.executable, "-m", "rag", "chat", "--port", str(port), "--host", "127.0.0.1", "--index",
           str(s.index), "--corpus", str(s.corpus)]
    log = work / "load-server.log"
    with log.open("wb") as fh:
        p = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=_env(), cwd=ROOT)
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


def measure_load(s, questions: list[str], work: Path, clients: int = 16, per_client: int = 5,
                 burst: int = 120, timeout: float = 600) -> dict:
    from gradio_client import Client

    p, port = _start(s, work)
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
        # the server still answers after the burst
        alive = "answer" in Client(url, verbose=False).predict(questions[0], api_name="/ask")
        st = _proc_status(p.pid)
        return {
            "clients": clients, "per_client": per_client, "requests": len(times), "outcomes": outcomes,
            "answer_s": summary(times), "answer_p95_s": percentile(times, 95), "wall_s": wall,
            "throughput_per_s": len(times) / wall if wall else 0.0,
            "burst": {"submitted": burst, "outcomes": burst_out, "wall_s": burst_wall, "served_after": alive},
            "peak_rss_mb": st["VmHWM"],
            "what": "`rag chat` server (default settings) on loopback, gradio_client threads calling /ask",
        }
    finally:
        stop(p)
