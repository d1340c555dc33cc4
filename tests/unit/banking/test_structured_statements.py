"""The parsers of the structured statement formats (CFONB 120, OFX, camt.053, MT940, CODA) on realistic samples
(``tests/fixtures/statements``), on damaged copies of them, and through the dispatcher that sniffs the format."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from chalicelib.banking.statements import camt053, cfonb120, coda, mt940, ofx, parse
from chalicelib.banking.statements.model import StatementLine, StatementUnreadable

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "statements"
D = Decimal


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def records(name: str) -> list[bytes]:
    return sample(name).split(b"\r\n")


def refused(parser: object, data: bytes) -> StatementUnreadable:
    with pytest.raises(StatementUnreadable) as caught:
        parser.parse(data)  # type: ignore[attr-defined]
    assert caught.value.status == 422
    return caught.value


def line(day: date, amount: str, label: str, **fields: object) -> StatementLine:
    return StatementLine(booking_date=day, amount=D(amount), label=label, **fields)  # type: ignore[arg-type]


# --- CFONB 120 ---------------------------------------------------------------------------------------------------

def test_cfonb_merges_two_statements_of_one_account_and_folds_the_complements_into_their_movement() -> None:
    statement = cfonb120.parse(sample("releve.cfonb120"))

    assert (statement.format, statement.currency, statement.warnings) == ("cfonb120", "EUR", [])
    assert statement.account_number == "300040000300012345678"
    assert statement.iban == "FR7630004000030001234567897"  # bank + branch + account, RIB key computed
    assert (statement.opening_balance, statement.opening_date) == (D("12345.67"), date(2026, 2, 28))
    assert (statement.closing_balance, statement.closing_date) == (D("15277.85"), date(2026, 3, 20))
    eur = {"currency": "EUR"}
    assert statement.lines == [
        line(date(2026, 3, 2), "1500.00", "VIR SEPA RECU /DE SARL DUPONT /MOTIF FACTURE FA-2026-0042",
             value_date=date(2026, 3, 2), counterparty="SARL DUPONT", reference="FA-2026-0042", line_no=2, **eur),
        line(date(2026, 3, 3), "-142.37", "PRLV SEPA EDF", value_date=date(2026, 3, 3), bank_ref="E2603030004200",
             counterparty="EDF", reference="FACTURE ÉLECTRICITÉ 10045678912 DU 01/03/2026", line_no=6, **eur),
        line(date(2026, 3, 5), "860.00", "REMISE CHEQUES N°0004512", value_date=date(2026, 3, 6),
             bank_ref="RC0004512", line_no=10, **eur),
        line(date(2026, 3, 10), "-8.50", "FRAIS TENUE DE COMPTE", value_date=date(2026, 3, 10),
             bank_ref="FR26031000001", line_no=11, **eur),
        line(date(2026, 3, 14), "-87.45", "CB CARREFOUR 12/03", value_date=date(2026, 3, 12),
             bank_ref="CB2603140077", line_no=14, **eur),
        line(date(2026, 3, 16), "-2400.00", "VIR SEPA EMIS /A SCI TILLEULS /MOTIF LOYER MARS 2026",
             value_date=date(2026, 3, 16), bank_ref="V2603160009912", counterparty="SCI LES TILLEULS", line_no=15,
             **eur),
        line(date(2026, 3, 18), "3210.50", "VIR SEPA RECU /DE ÉTS MARTIN", value_date=date(2026, 3, 18),
             counterparty="ÉTS MARTIN & FILS", reference="RÈGLEMENT FA-2026-0051 FA-2026-0053", line_no=19, **eur),
    ]


def _balance_record(code: bytes, when: bytes, decimals: bytes, amount: bytes, account: bytes = b"00012345678") -> bytes:
    return (code + b"30004    00003EUR" + decimals + b" " + account + b"  " + when + b" " * 50 + amount
            + b" " * 16)


def test_cfonb_reads_the_overpunch_sign_the_decimals_count_and_two_digit_years() -> None:
    # a debit balance of 3 decimals in the 1990s, closed at a credit balance of 0 decimals
    data = b"\r\n".join([_balance_record(b"01", b"311299", b"3", b"0000001234567P"),
                         _balance_record(b"07", b"150160", b"0", b"0000000000004{")])

    statement = cfonb120.parse(data)

    assert (statement.opening_balance, statement.opening_date) == (D("-12345.677"), date(1999, 12, 31))
    assert (statement.closing_balance, statement.closing_date) == (D("40.00"), date(2060, 1, 15))
    assert statement.lines == []


def test_cfonb_keeps_the_first_account_and_warns_about_the_other() -> None:
    other = [_balance_record(b"01", b"280226", b"2", b"0000000010000{", b"00098765432"),
             _balance_record(b"07", b"200326", b"2", b"0000000010000{", b"00098765432")]

    statement = cfonb120.parse(sample("releve.cfonb120") + b"\r\n".join(other))

    assert len(statement.lines) == 7 and statement.closing_balance == D("15277.85")
    assert statement.warnings == [
        "the file also holds the statements of 300040000300098765432 (EUR): only those of 300040000300012345678 "
        "were read; import the other accounts from their own files"]


def test_cfonb_warns_when_the_balances_do_not_add_up() -> None:
    lines = records("releve.cfonb120")
    lines[21] = lines[21].replace(b"0000000152778E", b"0000000152788E")  # closing 15 278,85 instead of 15 277,85

    statement = cfonb120.parse(b"\r\n".join(lines))

    assert len(statement.lines) == 7
    assert statement.warnings == ["the balances do not add up: opening 12345.67 + movements 2932.18 = 15277.85, "
                                  "but the closing balance is 15278.85; some movements may be missing"]


def test_cfonb_refuses_a_truncated_record_naming_its_line() -> None:
    lines = records("releve.cfonb120")
    lines[5] = lines[5][:60]

    error = refused(cfonb120, b"\r\n".join(lines))

    assert error.details["line"] == 6
    assert "truncated" in error.details["reason"]


@pytest.mark.parametrize(("index", "damage", "reason"), [
    (3, lambda record: b"06" + record[2:], "the record code is '06'"),
    (1, lambda record: record[:34] + b"320226" + record[40:], "the accounting date '320226' is not a JJMMAA date"),
    (10, lambda record: record[:90] + b"00000000008X0}" + record[104:], "is not a CFONB amount"),
])
def test_cfonb_refuses_a_malformed_record_naming_its_line(index: int, damage: object, reason: str) -> None:
    lines = records("releve.cfonb120")
    lines[index] = damage(lines[index])  # type: ignore[operator]

    error = refused(cfonb120, b"\r\n".join(lines))

    assert error.details["line"] == index + 1
    assert reason in error.details["reason"]


def test_cfonb_refuses_a_file_ending_before_the_closing_balance() -> None:
    error = refused(cfonb120, b"\r\n".join(records("releve.cfonb120")[:18]))

    assert error.details["line"] == 18
    assert "the file ends before the closing balance (07) of the statement opened line 13" in error.details["reason"]


# --- OFX -----------------------------------------------------------------------------------------------------------

def test_ofx_sgml_in_cp1252_with_comma_decimals() -> None:
    statement = ofx.parse(sample("releve-sgml-cp1252.ofx"))

    assert (statement.format, statement.currency, statement.warnings) == ("ofx", "EUR", [])
    assert statement.account_number == "00012345678"
    assert statement.iban == "FR7614706000010001234567860"  # from BANKID, BRANCHID and ACCTID
    assert (statement.opening_balance, statement.opening_date) == (None, date(2026, 3, 1))
    assert (statement.closing_balance, statement.closing_date) == (D("2353.35"), date(2026, 3, 20))
    assert statement.lines == [
        line(date(2026, 3, 2), "1500.00", "VIR SEPA RECU /DE SARL DUPONT /MOTIF FACTURE FA-2026-0042",
             bank_ref="8A3F20260302000001", line_no=40),
        line(date(2026, 3, 3), "-142.37", "PRLV SEPA EDF FACTURE ÉLECTRICITÉ 10045678912",
             bank_ref="8A3F20260303000002", line_no=49),
        # posted at midnight in Paris (20260314000000[+1:CET]): still the 14th
        line(date(2026, 3, 14), "-87.45", "CB CARREFOUR 12/03", bank_ref="8A3F20260314000003", line_no=57),
        line(date(2026, 3, 16), "-1250.00", "CHÈQUE N°0004512", bank_ref="8A3F20260316000004", reference="0004512",
             line_no=64),
        # a MEMO repeating the NAME is not repeated in the label
        line(date(2026, 3, 20), "-12.50", "FRAIS TENUE DE COMPTE", bank_ref="8A3F20260320000005", line_no=72),
    ]
    assert str(statement.lines[-1].amount) == "-12.50"


def test_ofx_2_xml_in_utf8_with_an_iban_as_account_id() -> None:
    statement = ofx.parse(sample("releve-v2.ofx"))

    assert (statement.iban, statement.account_number) == ("FR7630003036200002001234517", None)
    assert (statement.closing_balance, statement.closing_date) == (D("5802.00"), date(2026, 3, 20))
    assert statement.lines == [
        line(date(2026, 3, 12), "3210.50", "VIR SEPA RECU /DE ÉTS MARTIN RÈGLEMENT FA-2026-0051 FA-2026-0053",
             bank_ref="SG-2026031200017", line_no=32),
        line(date(2026, 3, 15), "-2400.00", "PRLV SEPA DGFIP IMPÔT TVA FÉVRIER 2026", bank_ref="SG-2026031500018",
             line_no=40),
        line(date(2026, 3, 20), "-8.50", "FRAIS TENUE DE COMPTE", bank_ref="SG-2026032000019", line_no=48),
    ]


def test_ofx_refuses_a_truncated_file() -> None:
    data = sample("releve-sgml-cp1252.ofx")
    cut = data[:data.index(b"<TRNAMT>-142,37")]

    error = refused(ofx, cut)

    assert error.details["reason"] == "the file ends before </OFX>: it is truncated"
    assert error.details["line"] == cut.count(b"\n") + 1


def test_ofx_refuses_a_movement_without_its_amount() -> None:
    error = refused(ofx, sample("releve-sgml-cp1252.ofx").replace(b"<TRNAMT>-142,37\r\n", b""))

    assert error.details["reason"] == "the OFX file cannot be read (Missing Transaction Amount (a required field))"


def test_ofx_refuses_text_without_a_statement() -> None:
    error = refused(ofx, b"OFXHEADER:100\r\nDATA:OFXSGML\r\n\r\n<OFX><SIGNONMSGSRSV1></SIGNONMSGSRSV1></OFX>")

    assert error.details["reason"] == "the OFX file holds no bank or card statement (STMTRS or CCSTMTRS)"


# --- camt.053 ------------------------------------------------------------------------------------------------------

def _lines_of(name: str, tag: str) -> list[int]:
    text = sample(name).decode()
    return [number for number, content in enumerate(text.split("\n"), start=1) if content.strip() == tag]


def test_camt053_reads_booked_entries_splits_a_batch_and_leaves_pending_ones_out() -> None:
    entries, transactions = _lines_of("releve.camt053.xml", "<Ntry>"), _lines_of("releve.camt053.xml", "<TxDtls>")

    statement = camt053.parse(sample("releve.camt053.xml"))

    assert (statement.format, statement.iban, statement.account_number) == (
        "camt053", "FR7630003036200002001234517", None)
    assert statement.currency == "EUR"
    assert (statement.opening_balance, statement.opening_date) == (D("-1250.40"), date(2026, 3, 11))  # DBIT
    assert (statement.closing_balance, statement.closing_date) == (D("548.73"), date(2026, 3, 20))
    assert statement.warnings == [f"entries not booked yet were left out: line {entries[4]} (PDNG)"]
    eur = {"currency": "EUR"}
    batch = "REMISE PRLV SEPA 3 OPERATIONS"
    assert statement.lines == [
        line(date(2026, 3, 12), "1500.00", "VIR SEPA RECU /DE SARL DUPONT /MOTIF FACTURE FA-2026-0042",
             value_date=date(2026, 3, 12), bank_ref="2026031200001", counterparty="SARL DUPONT",
             reference="FACTURE FA-2026-0042", line_no=entries[0], **eur),
        line(date(2026, 3, 13), "-142.37", "PRLV SEPA EDF", value_date=date(2026, 3, 13), bank_ref="2026031300002",
             counterparty="EDF", reference="FACTURE ÉLECTRICITÉ 10045678912 ÉCHÉANCE MARS 2026", line_no=entries[1],
             **eur),
        line(date(2026, 3, 16), "150.00", f"{batch} CAFÉ DES ARTS ABONNEMENT MARS 2026", value_date=date(2026, 3, 17),
             bank_ref="2026031600003-01", counterparty="CAFÉ DES ARTS", reference="ABONNEMENT MARS 2026",
             line_no=transactions[2], **eur),
        line(date(2026, 3, 16), "200.00", f"{batch} BOULANGERIE LEFÈVRE ABONNEMENT MARS 2026",
             value_date=date(2026, 3, 17), bank_ref="2026031600003-02", counterparty="BOULANGERIE LEFÈVRE",
             reference="ABONNEMENT MARS 2026", line_no=transactions[3], **eur),
        line(date(2026, 3, 16), "100.00", f"{batch} HÔTEL DU PARC ABONNEMENT MARS 2026", value_date=date(2026, 3, 17),
             bank_ref="2026031600003-03", counterparty="HÔTEL DU PARC", reference="ABONNEMENT MARS 2026",
             line_no=transactions[4], **eur),
        line(date(2026, 3, 20), "-8.50", "FRAIS TENUE DE COMPTE", value_date=date(2026, 3, 20),
             bank_ref="2026032000004", line_no=entries[3], **eur),
    ]


def test_camt053_keeps_a_batch_whose_transactions_do_not_add_up_as_one_line() -> None:
    data = sample("releve.camt053.xml").replace(b'<Amt Ccy="EUR">100.00</Amt>', b'<Amt Ccy="EUR">90.00</Amt>')

    statement = camt053.parse(data)

    batch = statement.lines[2]
    assert (batch.amount, batch.label, batch.bank_ref, batch.counterparty) == (
        D("450.00"), "REMISE PRLV SEPA 3 OPERATIONS", "2026031600003", None)
    assert len(statement.lines) == 4 and statement.warnings[1:] == []


def test_camt053_takes_the_previously_closed_balance_when_there_is_no_opening_one() -> None:
    statement = camt053.parse(sample("releve.camt053.xml").replace(b"<Cd>OPBD</Cd>", b"<Cd>PRCD</Cd>"))

    assert (statement.opening_balance, statement.opening_date) == (D("-1250.40"), date(2026, 3, 11))


def test_camt053_refuses_a_document_declaring_entities() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>&b;</BkToCstmrStmt>'
            b"</Document>")

    error = refused(camt053, bomb)

    assert error.details["reason"] == ("the XML declares a DTD or entities, which a bank statement never needs: "
                                       "refused")


def test_camt053_refuses_a_truncated_document_naming_the_line() -> None:
    data = sample("releve.camt053.xml")

    error = refused(camt053, data[:data.index(b"<AcctSvcrRef>2026032000004")])

    assert error.details["reason"].startswith("the XML is malformed or truncated")
    assert error.details["line"] == data[:data.index(b"<AcctSvcrRef>2026032000004")].count(b"\n") + 1


# --- MT940 ---------------------------------------------------------------------------------------------------------

def test_mt940_reads_structured_and_free_details() -> None:
    statement = mt940.parse(sample("releve.mt940"))

    assert (statement.format, statement.iban, statement.account_number) == (
        "mt940", "FR7614706000010001234567860", None)  # the IBAN of "BIC/IBAN", past the 35 characters of :25:
    assert (statement.currency, statement.warnings) == ("EUR", [])
    assert (statement.opening_balance, statement.opening_date) == (D("14554.80"), date(2026, 3, 11))
    assert (statement.closing_balance, statement.closing_date) == (D("15816.48"), date(2026, 3, 20))
    assert statement.lines == [
        line(date(2026, 3, 12), "1500.00", "VIREMENT SEPA RECU FACTURE FA-2026-0042 REGLEMENT",
             value_date=date(2026, 3, 12), bank_ref="2603120000123", counterparty="SARL DUPONT",
             reference="FA-2026-0042", line_no=5),
        line(date(2026, 3, 13), "-142.37", "PRLV SEPA EDF FACTURE ÉLECTRICITÉ MARS", value_date=date(2026, 3, 13),
             bank_ref="2603130000456", counterparty="EDF", reference="EDF10045678912", line_no=8),
        line(date(2026, 3, 14), "-87.45", "CB CARREFOUR 12/03 CARTE 4974XXXXXXXX1234", value_date=date(2026, 3, 14),
             bank_ref="2603140000789", reference="CB CARREFOUR 12/03 CARTE 4974XXXXXXXX1234", line_no=11),
        # no bank reference after //: the customer reference, which is not NONREF
        line(date(2026, 3, 20), "-8.50", "FRAIS TENUE DE COMPTE", value_date=date(2026, 3, 20),
             bank_ref="FR26032000001", line_no=13),
    ]


def test_mt940_signs_a_reversal_of_credit_as_money_out() -> None:
    data = (b":20:REL1\r\n:25:FR7614706000010001234567860\r\n:60F:C260311EUR100,00\r\n"
            b":61:2603120312RC40,00NTRFNONREF//R1\r\n:86:/EREF/NOTPROVIDED/REMI/RETOUR VIR FA-2026-0042/ORDP//NAME/"
            b"SARL DUPONT\r\n:62F:C260312EUR60,00\r\n")

    (reversal,) = mt940.parse(data).lines

    assert (reversal.amount, reversal.label, reversal.reference, reversal.counterparty) == (
        D("-40.00"), "RETOUR VIR FA-2026-0042 SARL DUPONT", "RETOUR VIR FA-2026-0042", "SARL DUPONT")


def test_mt940_strips_the_subfield_markers_of_details_without_a_transaction_code() -> None:
    data = (b":20:REL1\r\n:25:FR7614706000010001234567860\r\n:60F:C260311EUR100,00\r\n"
            b":61:2603120312C25,00NTRFNONREF//B1\r\n:86:?00VIR SEPA RECU?20FACTURE FA-2026-00?2142 ACOMPTE"
            b"?32CAF\xc9 DES ARTS\r\n:62F:C260312EUR125,00\r\n")

    (credit,) = mt940.parse(data).lines

    assert credit.label == "VIR SEPA RECU FACTURE FA-2026-0042 ACOMPTE CAFÉ DES ARTS"


@pytest.mark.parametrize(("data", "line_no", "reason"), [
    (b"Bonjour, voici le releve de mars.\r\nCordialement", None, "no MT940 statement in the file"),
    (b":20:REL1\r\n:25:FR76\r\n:60F:C260311EUR100,00\r\n:61:26031X**garbage**\r\n:62F:C260312EUR60,00\r\n", 4,
     "the :61: field '26031X**garbage**' cannot be read"),
    (b":20:REL1\r\n:25:FR76\r\n:60F:C260311EUR100,00\r\n:61:2603120312D40,00NTRFNONREF\r\n", 1,
     "the statement has no closing (:62F:) balance"),
])
def test_mt940_refuses_garbage_and_truncated_statements(data: bytes, line_no: int | None, reason: str) -> None:
    error = refused(mt940, data)

    assert error.details.get("line") == line_no
    assert error.details["reason"].startswith(reason)


# --- CODA ----------------------------------------------------------------------------------------------------------

def test_coda_reads_movements_counterparties_and_the_structured_communication() -> None:
    statement = coda.parse(sample("extrait.cod"))

    assert (statement.format, statement.iban, statement.account_number, statement.currency) == (
        "coda", "BE68539007547034", None, "EUR")
    assert (statement.opening_balance, statement.opening_date) == (D("3456.78"), date(2026, 3, 11))
    assert (statement.closing_balance, statement.closing_date) == (D("4614.29"), date(2026, 3, 20))
    assert statement.warnings == []
    assert statement.lines == [
        line(date(2026, 3, 12), "1250.00", "BVBA JANSSENS & ZONEN +++120/2600/04256+++", value_date=date(2026, 3, 12),
             bank_ref="EBPA00012AXKLYHZ0N1D", counterparty="BVBA JANSSENS & ZONEN", reference="+++120/2600/04256+++",
             line_no=3),
        line(date(2026, 3, 13), "-89.99", "PROXIMUS SA FACTURE 2026-118 PROXIMUS CLIENT 4412",
             value_date=date(2026, 3, 13), bank_ref="EBPA00013BQRSTUV0D2A", counterparty="PROXIMUS SA",
             reference="FACTURE 2026-118 PROXIMUS CLIENT 4412", line_no=6),
        line(date(2026, 3, 20), "-2.50", "FRAIS DE GESTION DE COMPTE MARS 2026", value_date=date(2026, 3, 20),
             bank_ref="EBPA00014CDEFGHI0K3F", reference="FRAIS DE GESTION DE COMPTE MARS 2026", line_no=9),
    ]


def test_coda_refuses_a_file_without_its_trailer() -> None:
    error = refused(coda, b"\r\n".join(records("extrait.cod")[:12]))

    assert "the file ends before the trailer (record 9)" in error.details["reason"]


def test_coda_refuses_a_movement_with_a_bad_date_naming_its_line() -> None:
    lines = records("extrait.cod")
    lines[5] = lines[5][:47] + b"321326" + lines[5][53:]

    error = refused(coda, b"\r\n".join(lines))

    assert error.details["line"] == 6


def test_coda_refuses_a_trailer_that_does_not_match_its_movements() -> None:
    lines = records("extrait.cod")
    lines[12] = lines[12].replace(b"000000000092490", b"000000000092500")

    error = refused(coda, b"\r\n".join(lines))

    assert error.details["line"] == 13
    assert "trailer" in error.details["reason"]


# --- the dispatcher ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "fmt", "parser"), [
    ("releve.cfonb120", "cfonb120", cfonb120), ("releve-sgml-cp1252.ofx", "ofx", ofx), ("releve-v2.ofx", "ofx", ofx),
    ("releve.camt053.xml", "camt053", camt053), ("releve.mt940", "mt940", mt940), ("extrait.cod", "coda", coda),
])
@pytest.mark.parametrize("with_name", [True, False])
def test_the_dispatcher_sniffs_each_sample_and_hands_it_to_its_parser(name: str, fmt: str, parser: object,
                                                                      with_name: bool) -> None:
    data = sample(name)

    statement = parse(data, name if with_name else None)

    assert statement == parser.parse(data)  # type: ignore[attr-defined]
    assert statement.format == fmt and statement.lines
    assert all(movement.amount.as_tuple().exponent == -2 for movement in statement.lines)  # cents, whatever the format
