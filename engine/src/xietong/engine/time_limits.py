"""The longest duration a client may ask for, wherever one enters the engine.

Zeebe takes a message time-to-live, a job timeout or a retry back-off as any ``int64`` of
milliseconds. Here every such value becomes an instant (now + duration) that is stored in SQLite
(an ``int64``) and waited for by the engine thread, so a value near the limit overflowed storage or
the thread's wait. A documented maximum keeps every instant representable and far from overflow:
100 years (3,155,695,200,000 ms), longer than any deadline a county office sets. Timer events have
their own limit (the year 9999, checked at deploy and when a FEEL timer is evaluated).
"""

from __future__ import annotations

from xietong.engine.errors import InvalidArgument

MAX_DURATION_MS = 100 * 31_556_952_000  # 100 Gregorian years of 365.2425 days


def bounded_duration_ms(value: int, field: str, minimum: int = 0) -> int:
    """``value`` if ``minimum <= value <= MAX_DURATION_MS``, else INVALID_ARGUMENT naming ``field``."""
    if value < minimum:
        raise InvalidArgument(f"Expected {field} to be >= {minimum}, but was {value}")
    if value > MAX_DURATION_MS:
        raise InvalidArgument(
            f"Expected {field} to be at most {MAX_DURATION_MS} ms (100 years), but was {value}"
        )
    return value
