"""The engine process's garbage-collector policy: no full collection on the command path.

With 100,000 open instances the process tracks some 670,000 container objects, and one full
collection walks them all (0.4 s on the development machine), stalling every command behind it.
The state holds no reference cycles (entities are slotted dataclasses in dictionaries; an instance
that leaves is freed by reference counting), so the collector is needed only for the rare cycle
made while processing. Hence:

- after the state is loaded, everything alive is frozen (``gc.freeze``): never scanned again;
- automatic collections stop at the middle generation (young objects only, a few milliseconds);
- the oldest generation is collected when the engine is idle (or at least once a minute under
  constant load) and what survives is frozen too, so each such collection only walks what was
  promoted since the previous one.
"""

from __future__ import annotations

import gc
import time

YOUNG = 2_000  # allocations between young collections (CPython's default is 700)
MIDDLE = 10
NEVER = 1_000_000_000  # middle collections before an automatic full one: in effect never
FULL_EVERY_S = 60.0  # under constant load, still one bounded full collection a minute


class CollectorPolicy:
    def __init__(self) -> None:
        self._last_full = time.monotonic()
        self._installed = False

    def after_load(self) -> None:
        """Call once the state is in memory: collect what loading left behind, freeze the rest."""
        gc.collect()
        gc.freeze()
        gc.set_threshold(YOUNG, MIDDLE, NEVER)
        self._installed = True
        self._last_full = time.monotonic()

    def between_batches(self, idle: bool) -> None:
        """Between two batches: a full collection of what was promoted since the last one, when idle
        (after a second) or when it has waited a minute."""
        if not self._installed:
            return
        waited = time.monotonic() - self._last_full
        if (idle and waited >= 1.0) or waited >= FULL_EVERY_S:
            gc.collect(2)
            gc.freeze()
            self._last_full = time.monotonic()
