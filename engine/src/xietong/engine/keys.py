"""Zeebe-style keys: every key of partition 1 is ``(1 << 51) + n``."""

from __future__ import annotations

PARTITION_ID = 1
KEY_BITS = 51


def partition_key(n: int) -> int:
    return (PARTITION_ID << KEY_BITS) + n


class KeyGenerator:
    """Monotonic key source; its position is persisted with every commit so keys never repeat."""

    def __init__(self, next_n: int = 1) -> None:
        self.next_n = next_n

    def next(self) -> int:
        n = self.next_n
        self.next_n = n + 1
        return (PARTITION_ID << KEY_BITS) + n
