"""Writing SAF-T elements straight to an lxml incremental writer, and handing the bytes over in chunks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any

from chalicelib.exports.saft.model import NS, SaftAddress, money_text, trimmed


class Sink:
    """The file object lxml writes to; ``drain`` hands over what accumulated."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> None:
        self.parts.append(data)
        self.size += len(data)

    def drain(self, xf: Any, *, at_least: int = 0) -> Iterator[bytes]:
        if xf is not None:
            xf.flush()
        if self.parts and self.size >= at_least:
            data = b"".join(self.parts)
            self.parts.clear()
            self.size = 0
            yield data


class Writer:
    """Namespaced elements written straight to the stream (never whole subtrees, which would repeat xmlns)."""

    def __init__(self, xf: Any) -> None:
        self.xf = xf
        self.names: dict[str, str] = {}

    def node(self, tag: str, **attrs: Any) -> AbstractContextManager[Any]:
        name = self.names.get(tag) or self.names.setdefault(tag, f"{{{NS}}}{tag}")
        return self.xf.element(name, **attrs)

    def leaf(self, tag: str, value: str) -> None:
        with self.node(tag):
            self.xf.write(value)

    def text(self, tag: str, value: str | None, limit: int = 256) -> None:
        self.leaf(tag, trimmed(value, limit))

    def optional(self, tag: str, value: str | None, limit: int = 256) -> None:
        if value:
            self.text(tag, value, limit)

    def amount(self, tag: str, value: Decimal) -> None:
        with self.node(tag):
            self.leaf("Amount", money_text(value))

    def balance(self, prefix: str, value: Decimal) -> None:
        self.leaf(f"{prefix}DebitBalance" if value >= 0 else f"{prefix}CreditBalance", money_text(abs(value)))

    def address(self, tag: str, address: SaftAddress) -> None:
        with self.node(tag):
            self.optional("StreetName", address.street, 70)
            self.optional("City", address.city, 35)
            self.optional("PostalCode", address.postal_code, 18)
            self.optional("Region", address.region, 35)
            self.optional("Country", address.country.upper(), 2)

    def tax_registration(self, number: str, tax_type: str) -> None:
        if number:
            with self.node("TaxRegistration"):
                self.text("TaxRegistrationNumber", number, 35)
                self.text("TaxType", tax_type, 9)
