"""Every article file is parsed in a limited child process, under a time
budget that grows with the file's size, and a file that failed is remembered
by its content's digest so that it is not read again until it changes.

Measured before (issue 24): a 77 KB PDF whose 500 pages share one heavy
content stream stalled every rebuild for 300 s, and the next build with
nothing changed took 300 s again; a 1e6-deep HTML file took 18 s and 809 MB
in the main process; a 17 MB one-line JSONL 100 s.  Now the parsers (PDF,
DOCX, HTML, Markdown, JSONL, text) run in long-lived children with an
address-space cap (starting a child per file cost 0.2 s a file; each reading
thread takes an idle one, so a slow file holds up no other read), the parent
kills a child when its file's budget has passed, and the next file gets a new one.

This module is the parent's side and imports no parser (so that
index/documents.py and index/load.py can import it without a cycle); the
child runs ``serve`` in index/child.py, which imports the parsers.
"""

from __future__ import annotations

import hashlib
import json
import os
import select
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .doc_format import FORMAT as DOCUMENT_FORMAT
from .problems import LoadProblem, Skip

_ROOT = Path(__file__).resolve().parents[1]
FORMAT = "1"  # bump when what a failure means changes: remembered failures of another format are forgotten


@dataclass(frozen=True)
class ReadLimits:
    """How long and how much memory one file may take (settings read_seconds,
    read_seconds_per_mb, read_max_seconds, read_memory_mb)."""

    seconds: float = 20.0  # any file: the child's start-up and a short article with room to spare
    seconds_per_mb: float = 30.0  # text PDFs read at 0.1-0.4 s a page, 20-100 KB a page
    max_seconds: float = 300.0  # the longest PDF allowed (500 pages) on a busy machine
    memory_mb: int = 2048  # address space of the child

    def budget(self, size: int) -> float:
        """Seconds one file of ``size`` bytes may take.

        >>> ReadLimits().budget(77_000), ReadLimits().budget(5_000_000), ReadLimits().budget(20 * 2**20)
        (22.31, 170.0, 300.0)
        """
        return round(min(self.max_seconds, self.seconds + self.seconds_per_mb * size / 1e6), 2)


_limits = ReadLimits()


def configure(limits: ReadLimits) -> None:
    """Use these limits for every read in this process (rag.settings.load_settings calls it)."""
    global _limits
    _limits = limits


def limits() -> ReadLimits:
    return _limits


def _cache_dir() -> Path:
    """Texts and failures of files read, by digest (``RAG_HOME`` overrides, as for models)."""
    base = os.environ.get("RAG_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "arabic-rag")
    return Path(base) / "documents"


def digest_of(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _failure_file(kind: str, digest: str) -> Path:
    """Keyed by content and by the reading code's version too: a failure of older code is tried again."""
    if kind in ("pdf", "docx"):
        code = DOCUMENT_FORMAT
    else:
        code = _code_digest()
    return _cache_dir() / "failed" / f"{kind}-{digest}-v{FORMAT}-{code}.json"


def remembered(kind: str, digest: str, budget: float) -> LoadProblem | None:
    """The earlier failure of this content, unless it ran out of a smaller time budget."""
    try:
        got = json.loads(_failure_file(kind, digest).read_text(encoding="utf-8"))
        code, detail, then = Skip(got["code"]), str(got["detail"]), float(got.get("budget", 0))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if got.get("timeout") and then < budget:
        return None  # the budget was raised since: try again
    return LoadProblem(code, detail, remembered=True)


def remember_failure(kind: str, digest: str, problem: LoadProblem, budget: float, timeout: bool) -> None:
    f = _failure_file(kind, digest)
    try:
        f.parent.mkdir(parents=True, exist_ok=True)
        tmp = f.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps({"code": str(problem.code), "detail": problem.detail, "budget": budget,
                                   "timeout": timeout}), encoding="utf-8")
        os.replace(tmp, f)
    except OSError:
        pass  # a read-only or full disk: the file is read again next time


def _code_digest() -> str:
    """What the text readers' code is: a cached text made by other code is not used."""
    global _CODE
    if not _CODE:
        h = hashlib.sha256()
        for name in ("load.py", "problems.py", "clean.py", "arabic.py", "reader.py", "child.py"):
            h.update((Path(__file__).parent / name).read_bytes())
        _CODE = h.hexdigest()[:16]
    return _CODE


_CODE = ""


def _text_file(kind: str, digest: str, rel: str) -> Path:
    key = hashlib.sha256(f"{kind}\0{digest}\0{rel}\0{_code_digest()}".encode()).hexdigest()
    return _cache_dir() / "texts" / f"{kind}-{key}.json"


def cached_text(kind: str, digest: str, rel: str) -> dict | None:
    """A slow text file's articles, kept by content, name and code (a 17 MB one-line JSONL took 100 s)."""
    try:
        return json.loads(_text_file(kind, digest, rel).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def keep_text(kind: str, digest: str, rel: str, out: dict) -> None:
    f = _text_file(kind, digest, rel)
    try:
        f.parent.mkdir(parents=True, exist_ok=True)
        tmp = f.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, f)
    except OSError:
        pass


class _Worker:
    """The long-lived child: one JSON request a line in, one JSON answer a line out."""

    def __init__(self, memory_mb: int):
        code = (f"import sys; sys.path.insert(0, {str(_ROOT)!r}); from index.child import serve; "
                f"serve({int(memory_mb)})")
        self.memory_mb = memory_mb
        self.proc = subprocess.Popen([sys.executable, "-I", "-c", code], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._buf = b""

    def ask(self, request: dict, budget: float) -> dict | None:
        """The child's answer, or None when it ran out of time (it is killed)."""
        self.proc.stdin.write((json.dumps(request, ensure_ascii=False) + "\n").encode("utf-8"))
        self.proc.stdin.flush()
        deadline = time.monotonic() + budget
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                self.peak()
                self.close()
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise EOFError  # the child died (killed by the memory cap, or crashed)
                self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        self.peak()
        return json.loads(line.decode("utf-8"))

    def peak(self) -> None:
        """The child's peak RSS so far, in ``last_peak_mb`` (eval/bench/hostile.py reports it)."""
        global last_peak_mb
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    last_peak_mb = int(line.split()[1]) // 1024
        except (OSError, ValueError):
            pass

    def close(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:  # a write left half-flushed in a dead child's pipe
                pass


last_peak_mb = 0
_idle: list[_Worker] = []  # children waiting for a file
_pool_lock = threading.Lock()
IDLE_CHILDREN = 2  # the chat reads from several threads (a rebuild, an upload's check): each gets its own child


def _take(memory_mb: int) -> _Worker:
    with _pool_lock:
        while _idle:
            w = _idle.pop()
            if w.proc.poll() is None and w.memory_mb == memory_mb:
                return w
            w.close()
    return _Worker(memory_mb)


def _give(w: _Worker) -> None:
    with _pool_lock:
        if len(_idle) < IDLE_CHILDREN:
            _idle.append(w)
            return
    w.close()


def stop() -> None:
    """End the idle children (a new one is started by the next read)."""
    with _pool_lock:
        idle = list(_idle)
        _idle.clear()
    for w in idle:
        w.close()


import atexit  # noqa: E402

atexit.register(stop)  # the idle children end with this process (they would on EOF anyway)


def read_in_child(kind: str, path: Path, rel: str = "", budget: float | None = None) -> dict:
    """What the child made of one file: a dict from ``parse_text``
    (index/load.py) or ``parse_document`` (index/documents.py).  Raises
    LoadProblem (too complex: out of time or memory)."""
    lim = _limits
    budget = lim.budget(Path(path).stat().st_size) if budget is None else budget
    request = {"kind": kind, "path": str(path), "rel": rel, "budget": budget}
    w = _take(lim.memory_mb)  # a slow file in one thread does not hold up another's
    try:
        out = w.ask(request, budget)
    except (EOFError, OSError, ValueError):
        w.close()
        raise LoadProblem(Skip.TOO_COMPLEX, f"needed more than {lim.memory_mb} MiB") from None
    if out is None:  # killed at the deadline
        raise TimedOut(Skip.TOO_COMPLEX, f"reading took longer than {budget:g} s")
    if out.get("restart"):  # a MemoryError: its heap may be in pieces, start afresh
        w.close()
    else:
        _give(w)
    return out


class TimedOut(LoadProblem):
    """A file ran out of its time budget."""
