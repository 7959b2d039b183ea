"""A batch's records, grouped per process instance as they are written.

The store writes one row per process instance per commit (a JSON array of its records), so grouping
at write time spares the commit a second pass that rebuilt every record; a command that fails is
taken back record by record (``truncate``), whichever instances it wrote to.
"""

from __future__ import annotations

from typing import Any

# [position, key, valueType, intent, timestamp, value]: the stored layout of one record
StoredRecord = list[Any]


class RecordBuffer:
    __slots__ = ("_order", "groups")

    def __init__(self) -> None:
        self.groups: dict[int, list[StoredRecord]] = {}
        self._order: list[int] = []  # the process instance of each record, in log order

    def append(self, pi_key: int, record: StoredRecord) -> None:
        group = self.groups.get(pi_key)
        if group is None:
            group = self.groups[pi_key] = []
        group.append(record)
        self._order.append(pi_key)

    def __len__(self) -> int:
        return len(self._order)

    def truncate(self, mark: int) -> None:
        """Drop the records written after the first ``mark`` (a failed command's)."""
        for pi_key in reversed(self._order[mark:]):
            group = self.groups[pi_key]
            group.pop()
            if not group:
                del self.groups[pi_key]
        del self._order[mark:]
