"""Statement files: find the format of an uploaded file and parse it with that format's parser.

Each parser module (``csv_file``, ``excel``, ``pdf``, ``camt053``, ``ofx``, ``cfonb120``, ``mt940``, ``coda``) has
``parse(data: bytes) -> ParsedStatement``; they are imported on use, so a route that does not import a statement
does not load pdfplumber, openpyxl or lxml.
"""

from __future__ import annotations

import importlib

from chalicelib.banking.statements.detect import sniff
from chalicelib.banking.statements.model import Format, ParsedStatement

MODULES: dict[str, str] = {"csv": "csv_file", "xlsx": "excel", "xls": "excel", "pdf": "pdf", "camt053": "camt053",
                           "ofx": "ofx", "cfonb120": "cfonb120", "mt940": "mt940", "coda": "coda"}


def parse(data: bytes, filename: str | None = None) -> ParsedStatement:
    """Sniff the format of ``data`` (its bytes first, the file name's extension as a hint) and parse it."""
    fmt: Format = sniff(data, filename)
    module = importlib.import_module(f"chalicelib.banking.statements.{MODULES[fmt]}")
    parsed: ParsedStatement = module.parse(data) if fmt not in ("xlsx", "xls") else module.parse(data, fmt)
    return parsed
