"""Answers that finish even when the browser leaves.

A reload closes the page's event stream, and Gradio then stops iterating the
chat's generator: the answer being written was never finished nor saved, and
the reloaded page came back without it (issue #10).  ``detached`` runs the
turn in its own thread, so it runs to its end (and is saved) whatever the
browser does; ``InFlight`` lets the reloaded page wait for that answer.
"""

from __future__ import annotations

import contextvars
import sys
import queue
import threading
from typing import Callable, Iterator, TypeVar

T = TypeVar("T")
_END = object()


def detached(make: Callable[[], Iterator[T]], on_end: Callable[[], None] | None = None) -> Iterator[T]:
    """Iterate ``make()`` in a thread of its own and yield what it yields; if
    the consumer stops early, the thread still runs it to the end, then calls
    ``on_end``.  Gradio's context (for gr.Warning) is copied into the thread.

    >>> list(detached(lambda: iter([1, 2, 3])))
    [1, 2, 3]
    """
    items: queue.SimpleQueue = queue.SimpleQueue()

    def run() -> None:
        try:
            for item in make():
                items.put((True, item))
        except BaseException as e:  # noqa: BLE001 - handed to the consumer, if any
            items.put((False, e))
        finally:
            try:
                if on_end is not None:
                    on_end()
            finally:
                items.put((True, _END))

    ctx = contextvars.copy_context()
    threading.Thread(target=ctx.run, args=(run,), name="answer", daemon=True).start()
    while True:
        ok, item = items.get()
        if not ok:
            raise item
        if item is _END:
            return
        yield item


class InFlight:
    """Answers being written, by key (user, conversation id)."""

    def __init__(self) -> None:
        self._events: dict[tuple, threading.Event] = {}
        self._lock = threading.Lock()

    def start(self, key: tuple) -> threading.Event:
        ev = threading.Event()
        with self._lock:
            self._events[key] = ev
        return ev

    def finish(self, key: tuple, ev: threading.Event) -> None:
        ev.set()
        with self._lock:
            if self._events.get(key) is ev:
                del self._events[key]

    def wait(self, key: tuple, timeout: float) -> bool:
        """Wait until the answer for ``key`` (if one is being written) is done;
        False if it is still being written after ``timeout`` seconds."""
        with self._lock:
            ev = self._events.get(key)
        return ev is None or ev.wait(timeout)


def save_later(store, user: str, cid: str, title: str, question: str, answer, on_done: Callable[[], None],
               tries: int = 6) -> threading.Thread:
    """Save a turn the chat could not save at once (the database was locked by
    another process) from a thread of its own, waiting the store's full busy
    timeout up to ``tries`` times (6 x 10 s), so the answer slot is not held
    meanwhile; creates the conversation first when ``cid`` is "".  Calls
    ``on_done`` at the end, saved or not (then it is logged)."""
    from rag.history import HistoryBusy, HistoryError

    def run() -> None:
        c = cid
        try:
            for _ in range(tries):
                try:
                    c = c or store.create(user, title).id
                    store.append(user, c, answer, question)
                    return
                except HistoryBusy:
                    continue
                except HistoryError as e:
                    print(f"conversation not saved: {e}", file=sys.stderr, flush=True)
                    return
            print(f"conversation not saved: the database stayed locked ({store.path})", file=sys.stderr, flush=True)
        finally:
            on_done()

    th = threading.Thread(target=run, name="save-later", daemon=True)
    th.start()
    return th
