"""Where a chat turn stands in the line for the answer slot.

Answers run one at a time (a 2-core machine answers fastest that way), so a
second user's question waits.  Gradio's own overlay said "queue: 1/1 |
3.0/25.5s" in English over the text box; the chat says instead, in the
reader's language, how many turns are ahead and roughly when theirs starts,
from the median time of recent answers.  No Gradio here.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import deque


class WaitingLine:
    STALE_S = 600.0  # a turn whose browser went away never leaves: forget it after this
    START_S = 2.0  # a waiting turn starts within this once a slot is free (Gradio's queue hands it over)

    def __init__(self, clock=time.monotonic, slots: int = 1):
        self._clock = clock
        self.slots = slots  # answers written at once
        self._turns: dict[str, float] = {}  # key -> when it joined
        self._running: set[str] = set()  # keys whose answer has begun
        self._took: deque[float] = deque(maxlen=20)  # seconds the last answers took
        self._lock = threading.Lock()

    def join(self, key: str) -> tuple[int, float | None]:
        """Add a turn; (turns ahead of it: those answering, beyond the free
        slots, and those waiting before it; seconds until it starts or None);
        (0, None) when a slot is free.

        >>> now = [0.0]; line = WaitingLine(clock=lambda: now[0])
        >>> line.join('a'), line.start('a'), line.leave('a', 4.0), line.join('b'), line.start('b'), line.join('c')
        ((0, None), None, None, (0, None), None, (1, 4.0))
        >>> now[0] = 3.0; line.join('d')  # 'b' has run 3 of its typical 4 s; 'c' waits before it
        (2, 5.0)
        >>> now[0] = 9.0; line.join('e')  # 'b' overran: no estimate
        (3, None)
        >>> two = WaitingLine(clock=lambda: 0.0, slots=2); two.join('a'), two.join('b'), two.join('c')
        ((0, None), (0, None), (1, None))

        One answer running and a turn that joined but never started (its
        browser went away before its answer began): the note said "position 3,
        after the 2 answers before it".  A turn waits only while every slot is
        taken, so one still waiting beside a free slot is gone:

        >>> now = [0.0]; line = WaitingLine(clock=lambda: now[0])
        >>> line.join('a'), line.start('a'), line.join('lost')  # 'lost' waits, then its browser reloads
        ((0, None), None, (1, None))
        >>> now[0] = 5.0; line.leave('a'); line.join('x'), line.start('x'), line.join('me')
        ((0, None), None, (1, None))
        """
        with self._lock:
            now = self._clock()
            for k, t in list(self._turns.items()):
                if now - t > self.STALE_S:
                    del self._turns[k]
                    self._running.discard(k)
            self._turns.pop(key, None)
            self._running.discard(key)
            running = [k for k in self._turns if k in self._running]
            waiting = [k for k, t in self._turns.items() if k not in self._running]
            if len(running) < self.slots:  # a slot is free: a turn still "waiting" after a moment never started
                waiting = [k for k in waiting if now - self._turns[k] < self.START_S]
                for k in [k for k in self._turns if k not in self._running and k not in waiting]:
                    del self._turns[k]
            busy = len(running) + len(waiting)
            ahead = max(0, busy - self.slots + 1)  # those running take the slots
            eta = None
            if self._took and ahead:
                typical = statistics.median(self._took)
                started = [self._turns[k] for k in running] or list(self._turns.values())
                left = typical - (now - min(started))  # of the oldest answer running now
                # a running answer already past the typical time: no honest estimate
                eta = round(left + (ahead - 1) // self.slots * typical, 1) if left > 0 else None
            self._turns[key] = now
            return ahead, eta

    def start(self, key: str) -> None:
        """The turn's answer began (it holds a slot now)."""
        with self._lock:
            self._turns[key] = self._turns.get(key, self._clock())
            self._running.add(key)

    def leave(self, key: str, took: float | None = None) -> None:
        """The turn ended (answered in ``took`` seconds, or given up)."""
        with self._lock:
            self._turns.pop(key, None)
            self._running.discard(key)
            if took is not None:
                self._took.append(took)
