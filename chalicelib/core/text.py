"""Text normalisation for search: accent- and case-insensitive matching the same way everywhere."""

from __future__ import annotations

import unicodedata


def fold(text: str | None) -> str:
    """Lower-case, accents removed, spaces collapsed: ``"Société  Générale"`` -> ``"societe generale"``."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())
