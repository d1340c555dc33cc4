"""``manage.py report``: the trial balance, an account's ledger and the VAT summary printed from books made through
the API, their flags' one-line errors, what the command imports, and the same balances as hledger's."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from chalicelib.cli.main import main
from chalicelib.store.deps import Deps
from chalicelib.wiring import install_deps
from tests.integration.report_books import build_books

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Deps, str]:
    data_dir = tmp_path_factory.mktemp("report") / "data"
    deps, org_id = build_books(data_dir)
    return data_dir, deps, org_id


@pytest.fixture(autouse=True)
def _reset_deps() -> Iterator[None]:
    yield
    install_deps(None)  # the command installs the collaborators of its data folder


def report(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> str:
    assert main(["report", *args, "--data-dir", str(data_dir)]) == 0
    return capsys.readouterr().out


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


def test_trial_balance_lists_every_account_with_exact_amounts_and_balanced_totals(
        books: tuple[Path, Deps, str], capsys: pytest.CaptureFixture[str]) -> None:
    rows = csv_rows(report(capsys, books[0], "trial-balance", "--format", "csv"))
    assert rows[0] == ["Account", "Name", "Debit", "Credit", "Balance"]
    by_code = {row[0]: row[2:] for row in rows[1:]}
    assert by_code == {"411": ["2343.30", "1200.00", "1143.30"], "44566": ["20.00", "0.00", "20.00"],
                       "44571": ["0.00", "383.30", "-383.30"], "512": ["1200.00", "120.00", "1080.00"],
                       "618": ["100.00", "0.00", "100.00"], "706": ["0.00", "1960.00", "-1960.00"],
                       "Total": ["3663.30", "3663.30", "0.00"]}
    assert rows[-1][0] == "Total"


def test_trial_balance_table_right_aligns_amounts_and_ends_with_the_totals(
        books: tuple[Path, Deps, str], capsys: pytest.CaptureFixture[str]) -> None:
    out = report(capsys, books[0], "trial-balance", "--date", "2026-03-31")
    assert out.startswith("Trial balance at 2026-03-31 (EUR)")
    lines = out.splitlines()
    account_lines = [line for line in lines if line.startswith("│ 4") or line.startswith("│ 5")]
    total_line = next(line for line in lines if line.startswith("│ Total"))
    # each amount ends where its column ends: the same position on every line, totals included
    ends = {line.rindex(" │") for line in [*account_lines, total_line]}
    assert len(ends) == 1
    assert total_line[:ends.pop()].endswith("0.00") and "3663.30" in total_line
    assert lines.index(total_line) > max(lines.index(line) for line in account_lines)
    assert "balanced" in lines[-1]


def test_trial_balance_of_a_period_counts_only_its_movements(books: tuple[Path, Deps, str],
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    rows = csv_rows(report(capsys, books[0], "trial-balance", "--start-date", "2026-03-06", "--date", "2026-03-31",
                           "--format", "csv"))
    assert {row[0]: row[2:] for row in rows[1:]} == {
        "411": ["0.00", "1200.00", "-1200.00"], "44566": ["20.00", "0.00", "20.00"],
        "512": ["1200.00", "120.00", "1080.00"], "618": ["100.00", "0.00", "100.00"],
        "Total": ["1320.00", "1320.00", "0.00"]}


def test_ledger_runs_the_balance_from_the_opening_to_the_closing(books: tuple[Path, Deps, str],
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    rows = csv_rows(report(capsys, books[0], "ledger", "411", "--period", "2026", "--format", "csv"))
    assert rows[0] == ["Date", "Entry", "Journal", "Reference", "Description", "Debit", "Credit", "Balance"]
    assert rows[1][4:] == ["Opening balance", "", "", "0.00"]
    assert [(r[0], r[2], r[5], r[6], r[7]) for r in rows[2:5]] == [
        ("2026-03-02", "VE", "1200.00", "0.00", "1200.00"), ("2026-03-05", "VE", "1143.30", "0.00", "2343.30"),
        ("2026-03-10", "BQ", "0.00", "1200.00", "1143.30")]
    assert rows[5][4:] == ["Total and closing balance", "2343.30", "1200.00", "1143.30"]


def test_ledger_opening_balance_carries_what_came_before_the_period(books: tuple[Path, Deps, str],
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = report(capsys, books[0], "ledger", "411", "--start-date", "2026-03-06", "--end-date", "2026-03-31",
                 "--format", "json")
    [table] = json.loads(out)
    assert table["rows"][0]["balance"] == 2343.30 and table["rows"][1]["balance"] == 1143.30
    assert table["total"]["balance"] == 1143.30 and table["start_date"] == "2026-03-06"


def test_vat_by_rate_and_due_for_a_quarter_as_exact_json_numbers(books: tuple[Path, Deps, str],
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = report(capsys, books[0], "vat", "--period", "2026-Q1", "--format", "json")
    assert '"output_vat":3.30' in out  # written from the Decimal, with its cents
    rates, summary = json.loads(out)
    assert (rates["start_date"], rates["end_date"]) == ("2026-01-01", "2026-03-31")
    assert [(r["rate"], r["output_base"], r["output_vat"], r["input_vat"]) for r in rates["rows"]] == [
        ("5,5 %", 60.00, 3.30, 0.00), ("20 %", 1900.00, 380.00, 20.00)]
    assert rates["total"]["output_vat"] == 383.30
    values = {row["item"]: row["value"] for row in summary["rows"]}
    assert values["VAT due"] == 363.30 and values["VAT credit to carry forward"] == 0
    assert values["Invoices"] == 2 and values["Expenses"] == 1


def test_vat_period_and_explicit_dates_print_the_same(books: tuple[Path, Deps, str],
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    by_period = report(capsys, books[0], "vat", "--period", "2026-03")
    by_dates = report(capsys, books[0], "vat", "--start-date", "2026-03-01", "--end-date", "2026-03-31")
    assert by_period == by_dates and "363.30" in by_period


@pytest.mark.parametrize(("args", "fragments"), [
    (["vat"], ["report vat needs --period, or --start-date and --end-date"]),
    (["vat", "--period", "2026-Q1", "--start-date", "2026-01-01"], ["--period", "--start-date", "not both"]),
    (["vat", "--start-date", "2026-03-31", "--end-date", "2026-03-01"], ["--end-date is before --start-date"]),
    (["ledger", "411", "--period", "2026-13"], ["--period", "'2026-13' is not a period"]),
    (["trial-balance", "--date", "31/03/2026"], ["--date", "is not a date (YYYY-MM-DD)"]),
    (["trial-balance", "--start-date", "2026-04-01", "--date", "2026-03-31"], ["--date is before --start-date"]),
    (["ledger", "999999"], ["account 999999", "account_not_found"]),
    (["trial-balance", "--org", "00000000-0000-4000-8000-000000000000"], ["not found", "--org"]),
    (["trial-balance", "--format", "xml"], ["--format", "invalid choice"]),
])
def test_a_bad_flag_is_one_error_line_naming_it_and_exit_2(books: tuple[Path, Deps, str],
                                                           capsys: pytest.CaptureFixture[str], args: list[str],
                                                           fragments: list[str]) -> None:
    try:
        code = main(["report", *args, "--data-dir", str(books[0])])
    except SystemExit as exc:  # argparse's own refusals
        code = int(exc.code or 0)
    assert code == 2
    line = one_error_line(capsys)
    for fragment in fragments:
        assert fragment in line, line


def test_a_missing_data_folder_is_reported_not_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere"
    assert main(["report", "trial-balance", "--data-dir", str(missing)]) == 2
    assert "--data-dir" in one_error_line(capsys) and not missing.exists()


def test_the_report_process_loads_neither_the_app_nor_the_cloud_sdks_nor_the_exports(
        books: tuple[Path, Deps, str]) -> None:
    probe = ("import sys, io\nfrom chalicelib.cli.main import main\nsys.stdout = io.StringIO()\n"
             f"code = main(['report', 'trial-balance', '--data-dir', {str(books[0])!r}])\nsys.stdout = sys.__stdout__\n"
             "heavy = ('app', 'chalice', 'boto3', 'mcp', 'starlette', 'lxml', 'fpdf', 'cheroot', 'rich.progress',\n"
             "         'chalicelib.api', 'chalicelib.mcp', 'chalicelib.exports', 'chalicelib.billing')\n"
             "print(code, sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in heavy)))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "0 []", done.stdout + done.stderr


# --- against hledger ------------------------------------------------------------------------------------------------


def _hledger_compare() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hledger_compare", ROOT / "bench" / "hledger_compare.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


needs_hledger = pytest.mark.skipif(shutil.which("hledger") is None,
                                   reason="hledger is not installed (apt-get install hledger): nothing to compare with")


@needs_hledger
def test_hledger_finds_every_account_balance_of_the_written_journal_to_the_cent(
        books: tuple[Path, Deps, str], tmp_path: Path) -> None:
    compare = _hledger_compare()
    _, deps, org_id = books
    journal = tmp_path / "books.journal"
    assert compare.write_journal(deps, org_id, journal) == 13  # 3 + 4 + 2 + 3 + ... lines of the four entries
    result: dict[str, Any] = compare.account_totals_equal(deps, org_id, journal)
    assert result["equal"] is True
    assert result["accounts"]["411"] == {"ours": "1143.30", "hledger": "1143.30", "equal": True}
    assert set(result["accounts"]) == {"411", "44566", "44571", "512", "618", "706"}


@needs_hledger
def test_hledger_comparison_sees_a_journal_that_differs(books: tuple[Path, Deps, str], tmp_path: Path) -> None:
    compare = _hledger_compare()
    _, deps, org_id = books
    journal = tmp_path / "books.journal"
    compare.write_journal(deps, org_id, journal)
    with journal.open("a") as out:
        out.write("2026-03-20 * altered\n    512    0.01 EUR\n    706    -0.01 EUR\n\n")
    result = compare.account_totals_equal(deps, org_id, journal)
    assert result["equal"] is False
    assert result["accounts"]["512"] == {"ours": "1080.00", "hledger": "1080.01", "equal": False}


@needs_hledger
def test_time_pair_times_both_commands_as_whole_processes(books: tuple[Path, Deps, str], tmp_path: Path) -> None:
    compare = _hledger_compare()
    data_dir, deps, org_id = books
    journal = tmp_path / "books.journal"
    compare.write_journal(deps, org_id, journal)
    timing = compare.time_pair(data_dir, org_id, journal, runs=1)
    assert len(timing["ours_s"]) == len(timing["hledger_s"]) == 1
    assert timing["ours_median_s"] > 0 and timing["hledger_median_s"] > 0 and timing["ratio"] > 0
