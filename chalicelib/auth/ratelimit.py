"""Fixed-window rate limits kept in the store, per key (or per client IP without a key).

Each window is one bounded counter item (``pk=RATE#<subject>``, ``sk=<window start>``) that expires with a TTL
shortly after its window, so counting costs one atomic store write per request and needs no cleanup job. A request
past the quota fails the bounded increment and is refused with 429; it is not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.core.clock import Clock, epoch
from chalicelib.core.errors import RateLimited
from chalicelib.store.port import ConditionFailed, Store


@dataclass(frozen=True)
class RateState:
    """Where a subject stands in its current window; ``headers()`` renders every rate-limit header."""

    limit: int
    remaining: int
    reset_at: int
    window: int
    now: int

    @property
    def reset_in(self) -> int:
        return max(self.reset_at - self.now, 0)

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
            "RateLimit-Policy": f'"default";q={self.limit};w={self.window}',
            "RateLimit": f'"default";r={self.remaining};t={self.reset_in}',
        }


def hit(store: Store, clock: Clock, subject: str, limit: int, window: int) -> RateState:
    """Count one request of ``subject``; raise ``RateLimited`` (with headers) once the quota is spent."""
    now = epoch(clock.now())
    start = now - now % window
    reset_at = start + window
    # A rate counter is request infrastructure: one direct bounded increment, outside the unit of work.
    try:
        used = store.increment(f"RATE#{subject}", str(start), "count", 1, at_most=limit, ttl=reset_at + 60)
    except ConditionFailed as exc:
        state = RateState(limit=limit, remaining=0, reset_at=reset_at, window=window, now=now)
        headers = {**state.headers(), "Retry-After": str(max(state.reset_in, 1))}
        raise RateLimited(
            f"rate limit of {limit} requests per {window} s exceeded; retry in {state.reset_in} s",
            details={"limit": limit, "window_seconds": window, "retry_after": max(state.reset_in, 1)},
            headers=headers,
        ) from exc
    return RateState(limit=limit, remaining=limit - used, reset_at=reset_at, window=window, now=now)
