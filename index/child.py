"""The child process's side of index/reader.py: ``serve`` reads one file per
request line with the parsers (``documents.parse_document``,
``load.parse_text``) under the limits it sets, and answers in JSON.

Its own module to break an import cycle: the parsers' modules
(index/documents.py, index/load.py) import index/reader.py to start the
child, so the loop that imports the parsers cannot live in reader.py.  The
parent starts it with ``from index.child import serve`` (reader.py's _Worker).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from .documents import parse_document
from .load import parse_text
from .problems import LoadProblem, Skip


def serve(memory_mb: int) -> None:
    """The child's loop: limits set once, then one file per request line."""
    import logging
    import resource
    import warnings

    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2**20, memory_mb * 2**20))
    logging.disable(logging.WARNING)  # pdfminer warns on every Chromium PDF ("Could not get FontBBox"); a
    warnings.simplefilter("ignore")  # hostile file could make it warn millions of times
    for line in sys.stdin:
        req = json.loads(line)
        # CPU seconds too, so that a child whose parent died mid-file stops at the budget by itself
        used = resource.getrusage(resource.RUSAGE_SELF)
        cpu = int(used.ru_utime + used.ru_stime + float(req.get("budget", 300)) * 2 + 5)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, resource.getrlimit(resource.RLIMIT_CPU)[1]))
        t0 = time.monotonic()
        try:
            fn = parse_document if req["kind"] in ("pdf", "docx") else parse_text
            out = fn(req["kind"], Path(req["path"]), req["rel"], memory_mb)
        except MemoryError:
            out = {"skip": str(Skip.TOO_COMPLEX), "detail": f"needed more than {memory_mb} MiB", "restart": True}
        except RecursionError:
            out = {"skip": str(Skip.TOO_COMPLEX), "detail": "nested too deeply"}
        except LoadProblem as e:
            out = {"skip": str(e.code), "detail": e.detail}
        except OSError as e:
            out = {"skip": str(Skip.UNREADABLE), "detail": e.strerror or type(e).__name__, "transient": True}
        except Exception as e:  # noqa: BLE001 - any parser failure is a damaged file
            out = {"skip": str(Skip.DAMAGED), "detail": f"{type(e).__name__}: {e}"[:200]}
        out["took"] = round(time.monotonic() - t0, 3)  # the parse alone, not the child's start-up
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        sys.stdout.flush()
