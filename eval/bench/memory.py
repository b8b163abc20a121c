"""Peak memory of `rag ask` and of the chat server after N questions."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from .stats import summary

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        return sk.getsockname()[1]


def _env() -> dict:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


# A small launcher runs the measured command and reports its rusage: on Linux a
# child's ru_maxrss also counts the image it was forked from (exec keeps the
# high-water mark of the old mm), so forking straight from this big benchmark
# process would report the benchmark's own size.
_LAUNCHER = """
import json, os, subprocess, sys, time
cmd, out, timeout = json.loads(sys.argv[1]), sys.argv[2], float(sys.argv[3])
with open(out + ".log", "wb") as fh:
    p = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT)
    t0 = time.perf_counter()
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - t0 > timeout:
            p.kill()
            pid, status, ru = os.wait4(p.pid, 0)
            break
        time.sleep(0.05)
with open(out, "w") as fh:
    json.dump({"maxrss_kb": ru.ru_maxrss, "exit": os.waitstatus_to_exitcode(status),
               "wall_s": time.perf_counter() - t0}, fh)
"""


def _run_rusage(cmd: list[str], log: Path, timeout: float) -> dict:
    """Run a command to completion; its own peak RSS (wait4 in a small launcher)."""
    res = log.with_suffix(".json")
    subprocess.run([sys.executable, "-c", _LAUNCHER, json.dumps(cmd), str(res), str(timeout)], env=_env(), cwd=ROOT,
                   check=True, timeout=timeout + 60)
    r = json.loads(res.read_text())
    text = Path(str(res) + ".log").read_text(encoding="utf-8", errors="replace")
    return {"peak_rss_mb": r["maxrss_kb"] / 1024, "wall_s": r["wall_s"], "exit": r["exit"],
            "log_tail": text[-400:] if r["exit"] else ""}


def measure_rag_ask(s, question: str, model: Path, work: Path) -> dict:
    cmd = [sys.executable, "-m", "rag", "ask", question, "--index", str(s.index), "--corpus", str(s.corpus),
           "--llm-model", str(model), "--mode", "generative", "--no-stream"]
    r = _run_rusage(cmd, work / "rag-ask.log", timeout=600)
    r["what"] = "`rag ask` (generative, bundled model), peak RSS from wait4() in a small launcher process"
    return r



def _proc_status(pid: int) -> dict:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, val = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            out[key] = int(val.split()[0]) / 1024
    return out


def _pick_endpoint(client) -> tuple[str, dict]:
    """ui/app.py's stateless "/ask" (answers one question, returns a dict);
    else the endpoint that looks most like a chat with a text input."""
    api = client.view_api(print_info=False, return_format="dict")
    named = api.get("named_endpoints", {})
    if not named:
        raise RuntimeError("the chat server exposes no API endpoints")
    prefs = ("/ask", "chat", "respond", "submit", "answer", "send")

    def score(item):
        name, info = item
        strs = [p for p in info.get("parameters", []) if (p.get("python_type") or {}).get("type") == "str"]
        pref = next((i for i, w in enumerate(prefs) if w in name.lower()), len(prefs))
        return (not strs, pref)

    return min(named.items(), key=score)


def _ask_server(client, name: str, info: dict, question: str):
    args = []
    for p in info.get("parameters", []):
        typ = (p.get("python_type") or {}).get("type", "")
        pname = (p.get("parameter_name") or p.get("label") or "").lower()
        if typ == "str" and question is not None:
            args.append(question)
            question = None
        elif pname == "mode":
            args.append("generative")
        elif p.get("parameter_has_default"):
            args.append(p.get("parameter_default"))
        else:
            args.append([] if "list" in typ.lower() else None)
    return client.predict(*args, api_name=name)


def measure_chat(s, questions: list[str], model: Path, work: Path) -> dict:
    """Peak RSS (VmHWM) of a real `rag chat` server after N questions sent through gradio_client."""
    port = _free_port()
    cmd = [sys.executable, "-m", "rag", "chat", "--port", str(port), "--host", "127.0.0.1", "--index",
           str(s.index), "--corpus", str(s.corpus), "--llm-model", str(model), "--mode", "generative"]
    log = work / "chat-server.log"
    with log.open("wb") as fh:
        p = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=_env(), cwd=ROOT)
    try:
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 180 and p.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        if p.poll() is not None:
            raise RuntimeError(f"chat server exited ({p.returncode}): {log.read_text(errors='replace')[-300:]}")
        from gradio_client import Client

        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        name, info = _pick_endpoint(client)
        times, modes = [], {}
        for q in questions:
            t1 = time.perf_counter()
            got = _ask_server(client, name, info, q)
            times.append(time.perf_counter() - t1)
            kind = "answered"
            if isinstance(got, dict):
                kind = "abstained" if got.get("abstained") else got.get("mode", "answered")
            modes[kind] = modes.get(kind, 0) + 1
        st = _proc_status(p.pid)
        return {"peak_rss_mb": st["VmHWM"], "rss_mb": st["VmRSS"], "questions": len(questions),
                "endpoint": name, "answer_s": summary(times), "outcomes": modes,
                "what": f"`rag chat` server (gradio), VmHWM after {len(questions)} questions via gradio_client"}
    finally:
        stop(p)


def stop(p: subprocess.Popen) -> None:
    """Terminate a server, killing it when it does not exit within 15 s."""
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
