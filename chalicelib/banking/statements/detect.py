"""Which statement format a file is in, from its first bytes (the file name's extension only breaks ties).

Signatures: ``%PDF`` (PDF); a ZIP holding ``xl/`` (XLSX); the OLE2 magic (XLS); ISO 20022 ``BkToCstmrStmt``
(camt.053); ``OFXHEADER`` or ``<OFX>`` (OFX 1.x SGML and 2.x XML); 120-character records opening with ``01``
(CFONB 120); 128-character records opening with ``0`` and closing with ``9`` (CODA); the ``:20:``/``:61:`` tags
(MT940); any other text is read as CSV.
"""

from __future__ import annotations

import re

from chalicelib.banking.statements.model import Format, unreadable

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MT940_TAGS = re.compile(r"^:(20|25|60[FM]|61):", re.MULTILINE)


def text_of(data: bytes) -> str:
    """The file as text: strict UTF-8 (with or without BOM) first, else Windows-1252 (which decodes any byte)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _records(text: str) -> list[str]:
    return [line.rstrip("\r\n") for line in text.splitlines() if line.strip()]


def _fixed_width(lines: list[str], width: int) -> bool:
    # trailing blanks are often trimmed by the tools that copy these files: accept shorter lines, never longer
    return bool(lines) and all(len(line) <= width for line in lines) and max(len(line) for line in lines) >= width - 40


def _binary(data: bytes, extension: str) -> Format | None:
    if data[:4096].lstrip().startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        if b"xl/" in data[:65536] or extension == "xlsx":
            return "xlsx"
        raise unreadable("a ZIP archive that is not an XLSX workbook", code="statement_format_unknown")
    if data.startswith(_OLE2):
        return "xls"
    if b"\x00" in data[:4096]:
        raise unreadable("a binary file in no statement format (CSV, XLSX, XLS, PDF, camt.053, OFX, CFONB 120, "
                         "MT940, CODA)", code="statement_format_unknown")
    return None


def _text(sample: str) -> Format:
    upper = sample[:4096].upper()
    if "BKTOCSTMRSTMT" in upper or "CAMT.053" in upper:
        return "camt053"
    if "OFXHEADER" in upper or "<OFX>" in upper or "<OFX " in upper:
        return "ofx"
    lines = _records(sample)[:50]
    if lines and lines[0].startswith("01") and _fixed_width(lines, 120) and all(
            line[:2] in ("01", "04", "05", "07") for line in lines):
        return "cfonb120"
    if lines and lines[0].startswith("0000") and _fixed_width(lines, 128) and all(line[:1].isdigit() for line in lines):
        return "coda"
    if len(_MT940_TAGS.findall(sample[:16384])) >= 2:
        return "mt940"
    return "csv"


def sniff(data: bytes, filename: str | None = None) -> Format:
    if not data.strip():
        raise unreadable("the file is empty", code="statement_empty")
    extension = filename.rsplit(".", 1)[-1].lower() if filename and "." in filename else ""
    return _binary(data, extension) or _text(text_of(data[:65536]).lstrip())
