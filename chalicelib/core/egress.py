"""The egress port: how services send HTTP requests to addresses users gave (webhook endpoints).

The real adapter (``chalicelib.webhooks.egress.GuardedSender``) guards against SSRF; the composition root builds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Answer:
    """What an endpoint answered: its status, the first bytes of its body, how long it took, its headers."""

    status: int
    body: bytes
    duration_ms: int
    headers: dict[str, str]  # lower-cased names


class DeliveryFailed(Exception):
    """No HTTP answer came back: ``reason`` is ``url_not_allowed`` (refused by the guard at send time), ``timeout``,
    ``tls`` or ``connection`` (refused, reset, closed, not HTTP)."""

    def __init__(self, reason: str, *, duration_ms: int = 0, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.duration_ms = duration_ms
        self.detail = detail


class Egress(Protocol):
    def check(self, url: str) -> None:
        """Raise a 422 ``url_not_allowed`` naming the rule unless ``url`` may receive requests."""
        ...

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        """POST ``body``; raise ``DeliveryFailed`` when no answer comes back."""
        ...
