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

    def __init__(self, clock=time.monotonic, slots: int = 1):
        self._clock = clock
        self.slots = slots  # answers written at once
        self._turns: dict[str, float] = {}  # key -> when it joined
        self._took: deque[float] = deque(maxlen=20)  # seconds the last answers took
        self._lock = threading.Lock()

    def join(self, key: str) -> tuple[int, float | None]:
        """Add a turn; (turns waiting ahead of it for a free slot, seconds until
        it starts or None); (0, None) when a slot is free.

        >>> now = [0.0]; line = WaitingLine(clock=lambda: now[0])
        >>> line.join('a'), line.leave('a', 4.0), line.join('b'), line.join('c')
        ((0, None), None, (0, None), (1, 4.0))
        >>> now[0] = 3.0; line.join('d')  # 'b' has run 3 of its typical 4 s; 'c' is ahead too
        (2, 5.0)
        >>> now[0] = 9.0; line.join('e')  # 'b' overran: no estimate
        (3, None)
        >>> two = WaitingLine(clock=lambda: 0.0, slots=2); two.join('a'), two.join('b'), two.join('c')
        ((0, None), (0, None), (1, None))
        """
        with self._lock:
            now = self._clock()
            for k, t in list(self._turns.items()):
                if now - t > self.STALE_S:
                    del self._turns[k]
            self._turns.pop(key, None)
            ahead = max(0, len(self._turns) - self.slots + 1)  # those running take the slots
            eta = None
            if self._took and ahead:
                typical = statistics.median(self._took)
                left = typical - (now - min(self._turns.values()))  # of the oldest answer running now
                # a running answer already past the typical time: no honest estimate
                eta = round(left + (ahead - 1) // self.slots * typical, 1) if left > 0 else None
            self._turns[key] = now
            return ahead, eta

    def leave(self, key: str, took: float | None = None) -> None:
        """The turn ended (answered in ``took`` seconds, or given up)."""
        with self._lock:
            self._turns.pop(key, None)
            if took is not None:
                self._took.append(took)
