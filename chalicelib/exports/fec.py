"""The FEC (fichier des écritures comptables, article A47 A-1 of the Livre des procédures fiscales): the flat file
of every entry of one fiscal year, as a tax auditor asks for it.

What is written, and why:

- UTF-8 without BOM (XII 1°), records separated by CRLF with no terminator after the last one, ``|`` between fields
  (VI 1°); the header line first (VII 4°), then one record per entry line with the 18 fields of ``HEADER``.
- Dates are ``AAAAMMJJ`` (XII 4°). Amounts use a comma, exactly 2 decimals and no thousands separator (XII 2°), and
  are never negative: one of Debit/Credit holds the line's amount, the other ``0,00``. Books kept in a currency
  without minor unit (XOF, XAF) still print ``,00``: the text asks for a comma decimal format, and one layout for
  every file keeps the readers (the DGFiP tool, the OHADA administrations' copies of it) simple.
- EcritureNum is the entry's ``number``: one continuous sequence for the whole fiscal year, all journals together.
- CompteLib is the account's current label in the chart (``account_names``), falling back to the label stored on
  the line, so each CompteNum has one CompteLib. CompAuxLib comes from ``aux_names`` when given, else it is the
  label the auxiliary account has on its first line in the file (one label per CompAuxNum, in a single pass). Both
  auxiliary fields are blank when the line has no auxiliary account.
- PieceRef and EcritureLib are mandatory: ``-`` and ``/`` stand for an empty value (as Odoo's export does).
- ValidDate is the day of ``validated_at`` in the organization's time zone (Europe/Paris unless told otherwise);
  a naive timestamp is taken as UTC.
- EcritureLet/DateLet (lettering) and Montantdevise/Idevise are blank: amounts are in the books' currency.
- Labels lose ``|``, tabs, CR and LF (each becomes a space) and are trimmed, so every record keeps 18 fields.

The caller passes one fiscal year's entries in validation order (numbers ascending), after the inventory entries
and without the closing entries of classes 6/7 (VII 1°). The functions are pure and lazy: ``fec_text`` never holds
more than ``CHUNK_RECORDS`` records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

from chalicelib.ledger.models import JOURNAL_NAMES, Entry, EntryLine

HEADER = ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum",
          "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet",
          "ValidDate", "Montantdevise", "Idevise")
SEPARATOR = "|"
RECORD_END = "\r\n"
CHUNK_RECORDS = 1000
PARIS = ZoneInfo("Europe/Paris")
_CENT = Decimal("0.01")
_UNSAFE = str.maketrans({"|": " ", "\t": " ", "\r": " ", "\n": " "})


def fec_file_name(siren: str, closing: date) -> str:
    """``<siren>FEC<AAAAMMJJ>.txt``, ``closing`` being the last day of the fiscal year (IX).

    Raises ``ValueError`` when ``siren`` is not 9 digits with a valid Luhn check digit.
    """
    from stdnum.exceptions import ValidationError as StdnumError  # lazy: loaded by the FEC route, not at cold start
    from stdnum.fr import siren as fr_siren

    try:
        number = str(fr_siren.validate(siren))
    except StdnumError as exc:
        raise ValueError(f"{siren!r} is not a valid SIREN") from exc
    return f"{number}FEC{closing:%Y%m%d}.txt"


@dataclass(frozen=True)
class _EntryFields:
    """The fields every line of one entry repeats."""

    journal: str
    journal_name: str
    number: str
    day: str
    piece_ref: str
    piece_date: str
    label: str
    valid_day: str


def fec_records(entries: Iterable[Entry], account_names: Mapping[str, str], aux_names: Mapping[str, str], *,
                tz: tzinfo = PARIS) -> Iterator[str]:
    """The header, then one record per entry line, each without its line terminator.

    Raises ``ValueError`` (while iterating) when entries of two fiscal years are mixed, when numbers do not
    increase, or when a line's amount is negative, has more than 2 decimals, or is on both sides or neither.
    """
    yield SEPARATOR.join(HEADER)
    previous: Entry | None = None
    # completed as the file goes: an auxiliary number keeps its first label
    aux_labels = {clean(number): clean(label) for number, label in aux_names.items()}
    for entry in entries:
        _check_order(previous, entry)
        previous = entry
        fields = _entry_fields(entry, tz)
        for line in entry.lines:
            yield _record(fields, line, account_names, aux_labels)


def fec_text(entries: Iterable[Entry], account_names: Mapping[str, str], aux_names: Mapping[str, str], *,
             tz: tzinfo = PARIS, chunk_records: int = CHUNK_RECORDS) -> Iterator[bytes]:
    """The file's bytes (UTF-8, CRLF between records, none after the last), in chunks of ``chunk_records``."""
    batch: list[str] = []
    lead = ""
    for record in fec_records(entries, account_names, aux_names, tz=tz):
        batch.append(record)
        if len(batch) >= chunk_records:
            yield (lead + RECORD_END.join(batch)).encode("utf-8")
            batch.clear()
            lead = RECORD_END
    if batch:
        yield (lead + RECORD_END.join(batch)).encode("utf-8")


def clean(text: str | None) -> str:
    """``text`` without the characters that would break a record (``|``, tab, CR, LF), trimmed."""
    return (text or "").translate(_UNSAFE).strip()


def fec_amount(value: Decimal) -> str:
    """``1234.5`` -> ``"1234,50"``. Refuses a negative amount or one finer than the cent (rounding would unbalance
    the entry)."""
    if value < 0:
        raise ValueError(f"FEC amounts are never negative: {value}")
    cents = value.quantize(_CENT)
    if cents != value:
        raise ValueError(f"{value} has more than 2 decimals")
    return f"{cents:f}".replace(".", ",")


def local_day(moment: datetime, tz: tzinfo) -> date:
    """The calendar day of ``moment`` in ``tz`` (a naive ``moment`` is UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(tz).date()


def _check_order(previous: Entry | None, entry: Entry) -> None:
    if previous is None:
        return
    if entry.fiscal_year != previous.fiscal_year:
        raise ValueError(f"one FEC covers one fiscal year: {previous.fiscal_year} then {entry.fiscal_year}")
    if entry.number <= previous.number:
        raise ValueError(f"entries must come in validation order: {previous.number} then {entry.number}")


def _entry_fields(entry: Entry, tz: tzinfo) -> _EntryFields:
    return _EntryFields(journal=entry.journal, journal_name=JOURNAL_NAMES[entry.journal], number=str(entry.number),
                        day=f"{entry.entry_date:%Y%m%d}", piece_ref=clean(entry.piece_ref) or "-",
                        piece_date=f"{entry.piece_date:%Y%m%d}", label=clean(entry.label) or "/",
                        valid_day=f"{local_day(entry.validated_at, tz):%Y%m%d}")


def _record(e: _EntryFields, line: EntryLine, account_names: Mapping[str, str], aux_labels: dict[str, str]) -> str:
    if (line.debit != 0) == (line.credit != 0):
        raise ValueError(f"entry {e.number} line {line.line_no}: exactly one of debit and credit must be non-zero")
    account = clean(line.account)
    aux = clean(line.aux_account)
    aux_label = ""
    if aux:
        aux_label = aux_labels.get(aux) or aux_labels.setdefault(aux, clean(line.aux_name) or aux)
    fields = (e.journal, e.journal_name, e.number, e.day, account,
              clean(account_names.get(line.account)) or clean(line.account_name) or account, aux, aux_label,
              e.piece_ref, e.piece_date, clean(line.label) or e.label, fec_amount(line.debit),
              fec_amount(line.credit), "", "", e.valid_day, "", "")
    return SEPARATOR.join(fields)
