"""The administration command line, in-process, on a temporary data folder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from chalicelib.auth.keys import hash_secret
from chalicelib.auth.repository import get_api_key_by_hash
from chalicelib.cli import local_state
from chalicelib.cli.main import main
from chalicelib.core.settings import Settings
from chalicelib.wiring import build_deps, install_deps
from tests.conftest import unique


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"
    install_deps(None)


def assert_one_error_line(capsys: pytest.CaptureFixture[str], *fragments: str) -> None:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_create_org_prints_a_key_that_is_stored_hashed(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["create-org", "--name", "Domaine", "--email", "a@b.fr", "--data-dir", str(data_dir)]) == 0
    out = json.loads(capsys.readouterr().out)
    store = build_deps(Settings(data_dir=data_dir)).store
    key = get_api_key_by_hash(store, hash_secret(out["key"]))
    assert key is not None and key.org_id == out["organization_id"] and key.scopes == ["all"]


def test_create_key_uses_the_local_organization_and_the_scopes_given(data_dir: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    main(["create-org", "--name", "Domaine", "--email", "a@b.fr", "--data-dir", str(data_dir)])
    org_id = json.loads(capsys.readouterr().out)["organization_id"]
    local_state.write(data_dir, {"org_id": org_id})
    assert main(["create-key", "--scopes", "read,customers", "--kind", "mch", "--data-dir", str(data_dir)]) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["key"].startswith("mch_") and created["scopes"] == ["customers", "read"]
    assert (created["rate_limit"], created["rate_window"]) == (1000, 60)


def test_create_key_without_an_organization_names_the_flag_in_one_line(
        data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build_deps(Settings(data_dir=data_dir))  # an installation with no organization yet
    assert main(["create-key", "--data-dir", str(data_dir)]) == 2
    assert_one_error_line(capsys, "no organization", "--org")


def test_unknown_scope_is_refused_by_the_parser(data_dir: Path) -> None:
    with pytest.raises(SystemExit):
        main(["create-key", "--scopes", "read,root", "--data-dir", str(data_dir)])


def test_export_writes_the_fec_under_its_legal_name_and_reports_what_is_missing(
        data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from chalicelib.bookkeeping.company import replace_company
    from chalicelib.bookkeeping.init import init_accounting
    from chalicelib.company.models import CompanyUpdate

    main(["create-org", "--name", "Domaine", "--email", "a@b.fr", "--data-dir", str(data_dir)])
    org_id = json.loads(capsys.readouterr().out)["organization_id"]
    deps = build_deps(Settings(data_dir=data_dir))
    init_accounting(deps, org_id, "FR")
    out = tmp_path / "exports"
    args = ["export", "fec", "--org", org_id, "--fiscal-year", "2026", "--output", str(out),
            "--data-dir", str(data_dir)]
    assert main(args) == 2
    assert_one_error_line(capsys, "company_siren_missing")
    replace_company(deps, org_id, CompanyUpdate(legal_name="Domaine SARL", siren="732829320"))
    assert main(args) == 0
    written = out / "732829320FEC20261231.txt"
    assert written.read_bytes().startswith(b"JournalCode|JournalLib|EcritureNum")
    assert str(written) in capsys.readouterr().out


def test_unknown_scope_is_one_line_with_exit_2(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["create-key", "--scopes", "read,root", "--data-dir", str(data_dir)])
    assert stop.value.code == 2
    assert_one_error_line(capsys, "--scopes", "root")


def _org(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["create-org", "--name", "Domaine", "--email", f"{unique('o')}@b.fr", "--data-dir",
                 str(data_dir)]) == 0
    return str(json.loads(capsys.readouterr().out)["organization_id"])


@pytest.mark.parametrize("fmt", ["saft", "fec"])
def test_export_without_a_period_names_the_flags_instead_of_failing(
        fmt: str, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _org(data_dir, capsys)
    assert main(["export", fmt, "--data-dir", str(data_dir)]) == 2
    assert_one_error_line(capsys, f"export {fmt} needs --fiscal-year or --start-date and --end-date")
    assert main(["export", fmt, "--start-date", "2026-01-01", "--data-dir", str(data_dir)]) == 2
    assert_one_error_line(capsys, "--end-date")


@pytest.mark.parametrize("command", [["export", "fec", "--fiscal-year", "2026"], ["create-key"], ["demo"],
                                     ["run-job", "overdue_invoices"]])
def test_commands_that_read_data_refuse_a_missing_folder_without_creating_it(
        command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "typo"
    assert main([*command, "--data-dir", str(missing)]) == 2
    assert_one_error_line(capsys, str(missing), "--data-dir")
    assert not missing.exists()


def test_export_saft_of_a_fiscal_year_takes_its_bounds_from_the_company_profile(
        data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from chalicelib.bookkeeping.company import replace_company
    from chalicelib.bookkeeping.init import init_accounting
    from chalicelib.company.models import CompanyUpdate

    org_id = _org(data_dir, capsys)
    deps = build_deps(Settings(data_dir=data_dir))
    init_accounting(deps, org_id, "FR")
    replace_company(deps, org_id, CompanyUpdate(legal_name="Domaine SARL", siren="732829320",
                                                fiscal_year_start="07-01"))
    out = tmp_path / "saft.xml"
    assert main(["export", "saft", "--fiscal-year", "2026", "--output", str(out), "--data-dir", str(data_dir)]) == 0
    head = out.read_bytes()[:4000].decode()
    assert "2025-07-01" in head and "2026-06-30" in head


def test_create_org_becomes_the_local_organization_of_a_new_folder_only(
        data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = _org(data_dir, capsys)
    _org(data_dir, capsys)
    assert (local_state.read(data_dir) or {})["org_id"] == first


def test_run_job_with_an_unknown_name_lists_the_jobs(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run-job", "nightly_magic", "--data-dir", str(data_dir)]) == 2
    assert_one_error_line(capsys, "nightly_magic", "overdue_invoices")
    assert not data_dir.exists()


def test_run_job_marks_a_past_due_invoice_of_the_organization_overdue(
        data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from chalicelib.billing.clients.models import ClientCreate
    from chalicelib.billing.clients.service import create_client
    from chalicelib.billing.invoices.models import InvoiceCreate
    from chalicelib.billing.invoices.service import create_invoice, get_invoice

    org_id = _org(data_dir, capsys)
    other = _org(data_dir, capsys)
    deps = build_deps(Settings(data_dir=data_dir))
    invoices = {}
    for org in (org_id, other):
        client = create_client(deps, org, ClientCreate(company_name="Late payer"))
        invoices[org] = create_invoice(deps, org, InvoiceCreate.model_validate(
            {"client_id": client.id, "date": "2025-01-01", "due_date": "2025-01-31", "total_ht": "100",
             "tax_rate": 20, "status": "sent"})).id
    assert main(["run-job", "overdue_invoices", "--org", org_id, "--data-dir", str(data_dir)]) == 0
    assert json.loads(capsys.readouterr().out) == {"job": "overdue_invoices", "result": {org_id: 1}}
    assert get_invoice(deps, org_id, invoices[org_id]).status == "overdue"
    assert get_invoice(deps, other, invoices[other]).status == "sent"  # --org: that organization only


def test_run_job_with_an_unknown_organization_says_so(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _org(data_dir, capsys)
    assert main(["run-job", "overdue_invoices", "--org", "nope", "--data-dir", str(data_dir)]) == 2
    assert_one_error_line(capsys, "nope", "--org")


def test_a_service_refusal_is_one_line_naming_the_flag(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from chalicelib.bookkeeping.company import replace_company
    from chalicelib.bookkeeping.init import init_accounting
    from chalicelib.company.models import CompanyUpdate

    org_id = _org(data_dir, capsys)
    deps = build_deps(Settings(data_dir=data_dir))
    init_accounting(deps, org_id, "FR")
    replace_company(deps, org_id, CompanyUpdate(legal_name="Domaine SARL", siren="732829320"))
    assert main(["export", "fec", "--start-date", "2025-12-01", "--end-date", "2026-01-31",
                 "--data-dir", str(data_dir)]) == 2
    assert_one_error_line(capsys, "--end-date: the FEC covers one fiscal year", "(validation_error)")
