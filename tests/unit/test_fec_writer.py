"""The FEC writer, checked against the independent checker and the DGFiP XSD (``../shared/validators``), against
the entries it was given (totals, trial balance, labels) and for streaming."""

from __future__ import annotations

import re
import tracemalloc
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chalicelib.exports.fec import HEADER, fec_file_name, fec_records, fec_text
from chalicelib.ledger.models import Entry, EntryLine
from tests.ledger_samples import ACCOUNTS, CLIENTS, RENAMED_CLIENT, STALE_BANK_LABEL, SUPPLIERS, realistic_year
from tests.shared_paths import FEC_CHECK, FEC_TO_DGFIP_XML, run_validator

YEAR = 2024
SIREN = "123456782"
ACCOUNT_NAMES = {code: name for code, (name, _) in ACCOUNTS.items()}
AUX_NAMES = {aux: name for aux, (_, name) in {**CLIENTS, **SUPPLIERS}.items()}
AMOUNT = re.compile(r"^\d+,\d{2}$")
Record = dict[str, str]


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return realistic_year("org-fec", YEAR, seed=2024)


@pytest.fixture(scope="module")
def fec_bytes(entries: list[Entry]) -> bytes:
    return b"".join(fec_text(entries, ACCOUNT_NAMES, AUX_NAMES))


@pytest.fixture
def fec_file(tmp_path: Path, fec_bytes: bytes) -> Path:
    path = tmp_path / fec_file_name(SIREN, date(YEAR, 12, 31))
    path.write_bytes(fec_bytes)
    return path


def parse(data: bytes) -> list[Record]:
    lines = data.decode("utf-8").split("\r\n")
    assert lines[0].split("|") == list(HEADER)
    return [dict(zip(HEADER, line.split("|"), strict=True)) for line in lines[1:]]


def amount(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def entry(number: int = 1, *, lines: list[EntryLine] | None = None, validated_at: datetime | None = None,
          fiscal_year: date = date(YEAR, 1, 1), piece_ref: str = "FA-1", label: str = "Facture") -> Entry:
    lines = lines or [EntryLine(line_no=1, account="411", account_name="Clients", label="Vente", debit=Decimal("10")),
                      EntryLine(line_no=2, account="706", account_name="Prestations", label="Vente",
                                credit=Decimal("10"))]
    day = date(fiscal_year.year, 3, 10)
    return Entry(id=f"e{number}", org_id="o", fiscal_year=fiscal_year, fiscal_year_end=date(fiscal_year.year, 12, 31),
                 number=number, journal="VE", entry_date=day, piece_ref=piece_ref, piece_date=day, label=label,
                 currency="EUR", validated_at=validated_at or datetime(fiscal_year.year, 3, 10, 9, tzinfo=UTC),
                 source_type="invoice", source_id=f"i{number}", event="issued", lines=lines, prev_hash="0" * 64,
                 hash="f" * 64)


# --- the independent validators --------------------------------------------------------------------------------


@pytest.mark.shared
def test_fec_file_passes_the_independent_fec_checker(fec_file: Path) -> None:
    result = run_validator(FEC_CHECK, fec_file, "--start", f"{YEAR}0101")
    assert result.returncode == 0, result.stdout
    assert "errors=0 warnings=0" in result.stdout


@pytest.mark.shared
def test_fec_file_converted_to_xml_is_valid_against_the_dgfip_xsd(fec_file: Path) -> None:
    result = run_validator(FEC_TO_DGFIP_XML, fec_file)
    assert result.returncode == 0, result.stdout
    assert "VALID against formatA47A-I-VII-1.xsd" in result.stdout


def _change_first_debit(records: list[str]) -> None:
    fields = records[1].split("|")
    debit = amount(fields[11])
    fields[11] = f"{debit + 1:.2f}".replace(".", ",") if debit else "1,00"
    records[1] = "|".join(fields)


def _dot_decimal(records: list[str]) -> None:
    fields = records[1].split("|")
    fields[11], fields[12] = fields[11].replace(",", "."), fields[12].replace(",", ".")
    records[1] = "|".join(fields)


def _drop_entry_2(records: list[str]) -> None:
    records[:] = [r for r in records if r.split("|")[2] != "2"]


def _pipe_in_label(records: list[str]) -> None:
    fields = records[1].split("|")
    fields[10] += "|Nord"
    records[1] = "|".join(fields)


def _last_validated_first(records: list[str]) -> None:
    last_number = records[-1].split("|")[2]
    for i, record in enumerate(records):
        fields = record.split("|")
        if fields[2] == last_number:
            fields[15] = f"{YEAR}0101"
            records[i] = "|".join(fields)


@pytest.mark.shared
@pytest.mark.parametrize(("mutate", "rule"), [
    (_change_first_debit, "E02"), (_change_first_debit, "G01"), (_dot_decimal, "L04"), (_drop_entry_2, "N03"),
    (_pipe_in_label, "L01"), (_last_validated_first, "O01")])
def test_fec_checker_rejects_a_mutated_file(fec_file: Path, mutate: Callable[[list[str]], None], rule: str) -> None:
    records = fec_file.read_bytes().decode("utf-8").split("\r\n")
    mutate(records)
    fec_file.write_bytes("\r\n".join(records).encode("utf-8"))
    result = run_validator(FEC_CHECK, fec_file, "--start", f"{YEAR}0101")
    assert result.returncode == 1
    assert f"ERROR {rule}" in result.stdout


@pytest.mark.shared
def test_dgfip_xsd_rejects_an_account_number_without_its_three_digits(fec_file: Path) -> None:
    fec_file.write_bytes(fec_file.read_bytes().replace(b"|44571|", b"|TVA571|"))
    result = run_validator(FEC_TO_DGFIP_XML, fec_file)
    assert result.returncode == 1
    assert "INVALID" in result.stdout


# --- layout -----------------------------------------------------------------------------------------------------


def test_fec_is_utf8_without_bom_with_crlf_between_records_and_none_after_the_last(fec_bytes: bytes,
                                                                                   entries: list[Entry]) -> None:
    assert not fec_bytes.startswith(b"\xef\xbb\xbf")
    assert not fec_bytes.endswith(b"\r\n")
    assert b"\n" not in fec_bytes.replace(b"\r\n", b"")
    assert b"\r" not in fec_bytes.replace(b"\r\n", b"")
    assert fec_bytes.count(b"\r\n") == sum(len(e.lines) for e in entries)
    assert "é".encode() in fec_bytes


def test_every_record_has_18_fields_and_the_mandatory_ones_are_filled(fec_bytes: bytes) -> None:
    text = fec_bytes.decode("utf-8")
    assert text.split("\r\n")[0] == "|".join(HEADER)
    assert all(line.count("|") == 17 for line in text.split("\r\n"))
    mandatory = ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "PieceRef",
                 "PieceDate", "EcritureLib", "Debit", "Credit", "ValidDate")
    for record in parse(fec_bytes):
        assert all(record[name] for name in mandatory), record
        assert not (record["EcritureLet"] or record["DateLet"] or record["Montantdevise"] or record["Idevise"])
        assert bool(record["CompAuxNum"]) == bool(record["CompAuxLib"])


def test_labels_lose_pipes_tabs_and_line_breaks(fec_bytes: bytes) -> None:
    records = parse(fec_bytes)
    assert any(r["CompAuxLib"] == "Cave coopérative   Nord" for r in records)
    assert any(r["EcritureLib"] == "Achat Réparation de la pompe urgence" for r in records)
    assert all("\t" not in value for r in records for value in r.values())


def test_amounts_have_a_comma_two_decimals_no_thousands_separator_and_one_side_only(fec_bytes: bytes) -> None:
    for record in parse(fec_bytes):
        assert AMOUNT.match(record["Debit"]) and AMOUNT.match(record["Credit"]), record
        assert (record["Debit"] == "0,00") != (record["Credit"] == "0,00"), record
    big = [EntryLine(line_no=1, account="512", account_name="Banque", label="x", debit=Decimal("1234567.8")),
           EntryLine(line_no=2, account="101", account_name="Capital", label="x", credit=Decimal("1234567.80"))]
    rows = list(fec_records([entry(lines=big)], {}, {}))
    assert rows[1].split("|")[11:13] == ["1234567,80", "0,00"]
    assert rows[2].split("|")[11:13] == ["0,00", "1234567,80"]


def test_books_without_minor_unit_still_print_two_decimals() -> None:
    records = parse(b"".join(fec_text(realistic_year("org-xof", YEAR, seed=7, currency="XOF"), {}, {})))
    assert all(r["Debit"].endswith(",00") and r["Credit"].endswith(",00") for r in records)


def test_dates_are_aaaammjj_and_valid_date_is_the_validation_day(fec_bytes: bytes, entries: list[Entry]) -> None:
    by_number = {str(e.number): e for e in entries}
    for record in parse(fec_bytes):
        source = by_number[record["EcritureNum"]]
        assert record["EcritureDate"] == source.entry_date.strftime("%Y%m%d")
        assert record["PieceDate"] == source.piece_date.strftime("%Y%m%d")
        assert record["ValidDate"] == source.validated_at.strftime("%Y%m%d")  # 07:00-17:00 UTC: same day in Paris


def test_valid_date_is_taken_in_paris_unless_another_zone_is_given() -> None:
    late = entry(validated_at=datetime(YEAR, 3, 10, 23, 30, tzinfo=UTC))
    assert list(fec_records([late], {}, {}))[1].split("|")[15] == f"{YEAR}0311"
    assert list(fec_records([late], {}, {}, tz=ZoneInfo("UTC")))[1].split("|")[15] == f"{YEAR}0310"
    naive = entry(validated_at=datetime(YEAR, 3, 10, 23, 30))
    assert list(fec_records([naive], {}, {}))[1].split("|")[15] == f"{YEAR}0311"


def test_empty_piece_ref_and_label_are_written_as_dash_and_slash() -> None:
    lines = [EntryLine(line_no=1, account="627", account_name="Frais", label="", debit=Decimal("2")),
             EntryLine(line_no=2, account="512", account_name="Banque", label=" | ", credit=Decimal("2"))]
    rows = [row.split("|") for row in list(fec_records([entry(lines=lines, piece_ref="", label="")], {}, {}))[1:]]
    assert [(row[8], row[10]) for row in rows] == [("-", "/"), ("-", "/")]


def test_entry_numbers_run_from_one_without_gap_in_file_order(fec_bytes: bytes, entries: list[Entry]) -> None:
    numbers = list(dict.fromkeys(int(r["EcritureNum"]) for r in parse(fec_bytes)))
    assert numbers == list(range(1, len(entries) + 1))
    assert parse(fec_bytes)[0]["JournalCode"] == "AN"


# --- agreement with the entries ---------------------------------------------------------------------------------


def test_file_totals_balance_and_equal_the_entries_totals(fec_bytes: bytes, entries: list[Entry]) -> None:
    records = parse(fec_bytes)
    debit = sum((amount(r["Debit"]) for r in records), Decimal(0))
    credit = sum((amount(r["Credit"]) for r in records), Decimal(0))
    assert debit == credit == sum((e.total_debit for e in entries), Decimal(0))


def test_per_account_sums_equal_the_entries_trial_balance(fec_bytes: bytes, entries: list[Entry]) -> None:
    from_file: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for r in parse(fec_bytes):
        from_file[r["CompteNum"]][0] += amount(r["Debit"])
        from_file[r["CompteNum"]][1] += amount(r["Credit"])
    from_entries: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for e in entries:
        for line in e.lines:
            from_entries[line.account][0] += line.debit
            from_entries[line.account][1] += line.credit
    assert from_file == from_entries
    assert set(from_file) == set(ACCOUNTS)


def test_each_account_and_auxiliary_account_has_one_label_taken_from_the_chart(fec_bytes: bytes,
                                                                              entries: list[Entry]) -> None:
    labels: dict[str, set[str]] = defaultdict(set)
    aux_labels: dict[str, set[str]] = defaultdict(set)
    for r in parse(fec_bytes):
        labels[r["CompteNum"]].add(r["CompteLib"])
        if r["CompAuxNum"]:
            aux_labels[r["CompAuxNum"]].add(r["CompAuxLib"])
    assert labels["512"] == {"Banque"}
    assert all(len(names) == 1 for names in labels.values())
    assert aux_labels[RENAMED_CLIENT[0]] == {CLIENTS[RENAMED_CLIENT[0]][1]}
    assert all(len(names) == 1 for names in aux_labels.values())
    # Given no chart labels, the labels stored on the lines are used (and they changed during the year).
    stale = parse(b"".join(fec_text(entries, {}, {})))
    assert {r["CompteLib"] for r in stale if r["CompteNum"] == "512"} == {STALE_BANK_LABEL, "Banque"}


# --- what the writer refuses ------------------------------------------------------------------------------------


def test_file_name_is_the_siren_fec_and_the_closing_date() -> None:
    assert fec_file_name("123 456 782", date(2025, 6, 30)) == "123456782FEC20250630.txt"


@pytest.mark.parametrize("siren", ["123456789", "12345678", "ABCDEFGHI"])
def test_file_name_refuses_an_invalid_siren(siren: str) -> None:
    with pytest.raises(ValueError, match="SIREN"):
        fec_file_name(siren, date(2025, 12, 31))


def test_writer_refuses_two_fiscal_years_or_entries_out_of_order() -> None:
    with pytest.raises(ValueError, match="one fiscal year"):
        list(fec_records([entry(1), entry(2, fiscal_year=date(YEAR + 1, 1, 1))], {}, {}))
    with pytest.raises(ValueError, match="validation order"):
        list(fec_records([entry(2), entry(1)], {}, {}))


@pytest.mark.parametrize(("debit", "credit"), [(Decimal("-5"), Decimal("0")), (Decimal("1.005"), Decimal("0")),
                                               (Decimal("3"), Decimal("3")), (Decimal("0"), Decimal("0"))])
def test_writer_refuses_a_line_that_is_not_one_positive_amount_in_cents(debit: Decimal, credit: Decimal) -> None:
    lines = [EntryLine(line_no=1, account="512", account_name="Banque", label="x", debit=debit, credit=credit)]
    with pytest.raises(ValueError):
        list(fec_records([entry(lines=lines)], {}, {}))


# --- streaming --------------------------------------------------------------------------------------------------


def generated_entries(lines: int, pulled: list[int]) -> Iterator[Entry]:
    """``lines`` lines in entries of two, built on demand; ``pulled[0]`` counts the entries handed out."""
    first = entry(1)
    for number in range(1, lines // 2 + 1):
        pulled[0] += 1
        moment = first.validated_at + timedelta(seconds=number)
        yield first.model_copy(update={"number": number, "validated_at": moment})


def test_fec_text_streams_200000_lines_in_bounded_chunks_without_reading_ahead() -> None:
    pulled = [0]
    chunks = 0
    total = 0
    for chunk in fec_text(generated_entries(200_000, pulled), ACCOUNT_NAMES, AUX_NAMES):
        chunks += 1
        total += len(chunk)
        assert len(chunk) < 1001 * 200  # 1000 records of under 200 bytes, plus separators
        assert pulled[0] <= chunks * 500 + 1  # a chunk is written as soon as its 1000 records are read
    assert chunks == 201  # the header and 200 000 records, 1000 a chunk
    assert total > 15_000_000


def test_fec_text_peak_memory_stays_far_below_the_file_size() -> None:
    tracemalloc.start()
    try:
        total = sum(len(chunk) for chunk in fec_text(generated_entries(40_000, [0]), ACCOUNT_NAMES, AUX_NAMES))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert total > 3_000_000
    assert peak < total / 3


def test_chunks_join_to_the_records_separated_by_crlf(entries: list[Entry]) -> None:
    records = list(fec_records(entries, ACCOUNT_NAMES, AUX_NAMES))
    chunks = list(fec_text(entries, ACCOUNT_NAMES, AUX_NAMES, chunk_records=7))
    assert len(chunks) == -(-len(records) // 7)
    assert b"".join(chunks) == "\r\n".join(records).encode("utf-8")
