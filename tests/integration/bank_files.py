"""Statement files and IBANs for the bank tests (kept apart from the matrix samples, which import the matrix)."""

from __future__ import annotations

import base64
import secrets


def new_iban() -> str:
    from schwifty import IBAN

    return str(IBAN.generate("FR", bank_code="30004", account_code=f"{secrets.randbelow(10**10):011d}"))


def statement_csv(*rows: tuple[str, str, str]) -> bytes:
    """A CSV statement (date; label; signed amount), French style."""
    lines = ["Date;Libellé;Montant"] + [f"{day};{label};{amount}" for day, label, amount in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def upload_body(data: bytes, filename: str = "releve.csv") -> dict[str, str]:
    return {"filename": filename, "content_base64": base64.b64encode(data).decode()}
