"""Bank alerts: low balance, large expense, overdue invoices; their thresholds per organization.

- low balance: an account under ``low_balance`` (default 1000) is a warning, under 0 critical; at most one alert
  per account, severity and day.
- large expense: a debit above ``large_expense`` (default 5000) booked within the last 7 days, once per debit.
- overdue invoice: info when late, warning after ``overdue_warning_days`` (14), critical after
  ``overdue_critical_days`` (30); once per invoice and severity.

Alerts are evaluated when transactions are booked (``after_booking``) and by the daily job (``evaluate``); each
new alert is written with its ``bank.alert`` outbox event in one transaction, and its key marker
(``ALERTKEY#<kind>#<subject>``) makes it raised once even when two evaluations run at the same time.

Keys: settings pk=``ORG#<org>``, sk=``BANKALERTSETTINGS``; alerts pk=``ORG#<org>#BANKALERTS``,
sk=``ALERT#<created_at>#<id>``; markers pk=``ORG#<org>#BANKALERTS``, sk=``ALERTKEY#<kind>#<subject>``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from chalicelib.auth.calendar import org_today
from chalicelib.banking import repository as repo
from chalicelib.banking.accounts import balance_of, event
from chalicelib.banking.models import AlertOut, AlertQuery, AlertSettings, BankAccount, BankTransaction, Severity
from chalicelib.core.clock import iso
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import Listing, all_items, page_of_matches
from chalicelib.store.port import ConditionFailed, ExpectedVersion, MustNotExist, Put
from chalicelib.store.unit import commit, plain, retrying

_SETTINGS_SK = "BANKALERTSETTINGS"
LARGE_EXPENSE_DAYS = 7


def _pk(org_id: str) -> str:
    return f"ORG#{org_id}#BANKALERTS"


def get_settings(deps: Deps, org_id: str) -> AlertSettings:
    item = deps.store.get(repo.org_pk(org_id), _SETTINGS_SK)
    return AlertSettings.model_validate({k: v for k, v in item.items() if k in AlertSettings.model_fields}) \
        if item else AlertSettings()


def put_settings(deps: Deps, org_id: str, data: AlertSettings) -> AlertSettings:
    def attempt() -> AlertSettings:
        item = deps.store.get(repo.org_pk(org_id), _SETTINGS_SK)
        version = int(item["version"]) if item else None
        new = {"pk": repo.org_pk(org_id), "sk": _SETTINGS_SK, "entity": "bank_alert_settings",
               **data.model_dump(mode="json"), "version": (version or 0) + 1}
        commit(deps.store, plain([Put(new, MustNotExist() if version is None else ExpectedVersion(version)),
                                  event(deps, org_id, "bank.alert_settings.updated", "bank_alert_settings", org_id,
                                        data.model_dump(mode="json"))]))
        return data

    return retrying(deps.store, attempt)


def _raise(deps: Deps, org_id: str, key: str, alert: AlertOut) -> AlertOut | None:
    """Write ``alert`` unless its key was raised before; answers the alert when it is new."""
    item = {"pk": _pk(org_id), "sk": f"ALERT#{iso(alert.created_at)}#{alert.id}", "entity": "bank_alert",
            **alert.model_dump(mode="json")}
    marker = {"pk": _pk(org_id), "sk": f"ALERTKEY#{key}", "entity": "bank_alert_key", "alert_id": alert.id}
    try:
        deps.store.transact([Put(marker, MustNotExist()), Put(item, MustNotExist()),
                             event(deps, org_id, "bank.alert", "bank_alert", alert.id, alert.model_dump(mode="json"))])
    except ConditionFailed:
        return None
    return alert


def _new(deps: Deps, today: dt.date, kind: str, severity: Severity, message: str, **fields: object) -> AlertOut:
    return AlertOut.model_validate({"id": deps.new_id(), "kind": kind, "severity": severity, "message": message,
                                    "raised_on": today, "created_at": deps.clock.now(), **fields})


def _low_balance(deps: Deps, org_id: str, settings: AlertSettings, account: BankAccount, today: dt.date
                 ) -> AlertOut | None:
    balance = balance_of(deps, account)
    if balance >= settings.low_balance:
        return None
    severity: Severity = "critical" if balance < 0 else "warning"
    alert = _new(deps, today, "low_balance", severity,
                 f"the balance of {account.name} is {balance} {account.currency}, under "
                 f"{0 if severity == 'critical' else settings.low_balance}", account_id=account.id, amount=balance,
                 currency=account.currency)
    return _raise(deps, org_id, f"low_balance#{account.id}#{severity}#{today.isoformat()}", alert)


def _large_expenses(deps: Deps, org_id: str, settings: AlertSettings, txns: Iterable[BankTransaction],
                    today: dt.date) -> list[AlertOut]:
    since = today - dt.timedelta(days=LARGE_EXPENSE_DAYS)
    raised = []
    for txn in txns:
        if txn.amount < 0 and -txn.amount > settings.large_expense and txn.booking_date >= since:
            alert = _new(deps, today, "large_expense", "warning",
                         f"a debit of {-txn.amount} {txn.currency} on {txn.booking_date.isoformat()}: {txn.label}",
                         account_id=txn.account_id, transaction_id=txn.id, amount=txn.amount, currency=txn.currency)
            if (new := _raise(deps, org_id, f"large_expense#{txn.id}", alert)) is not None:
                raised.append(new)
    return raised


def _overdue(deps: Deps, org_id: str, settings: AlertSettings, today: dt.date) -> list[AlertOut]:
    from chalicelib.billing.receivables import unpaid_invoices

    raised = []
    for row in unpaid_invoices(deps, org_id, days_overdue=1).data:
        days = row.days_overdue
        severity: Severity = ("critical" if days > settings.overdue_critical_days else
                              "warning" if days > settings.overdue_warning_days else "info")
        alert = _new(deps, today, "overdue_invoice", severity,
                     f"invoice {row.invoice_number} of {row.client.company_name or row.client.id} is {days} days "
                     f"overdue ({row.balance_due} {row.currency} due)", invoice_id=row.id, amount=row.balance_due,
                     currency=row.currency)
        if (new := _raise(deps, org_id, f"overdue_invoice#{row.id}#{severity}", alert)) is not None:
            raised.append(new)
    return raised


def after_booking(deps: Deps, org_id: str, account: BankAccount, txns: list[BankTransaction]) -> list[AlertOut]:
    settings, today = get_settings(deps, org_id), org_today(deps, org_id)
    raised = _large_expenses(deps, org_id, settings, txns, today)
    low = _low_balance(deps, org_id, settings, account, today)
    return raised + ([low] if low else [])


def evaluate(deps: Deps, org_id: str) -> list[AlertOut]:
    """Every alert rule over the organization (the daily job): balances, last week's debits, overdue invoices."""
    settings, today = get_settings(deps, org_id), org_today(deps, org_id)
    raised: list[AlertOut] = []
    for account in repo.accounts(deps.store, org_id):
        recent = repo.of_account(deps.store, org_id, account.id,
                                 start=(today - dt.timedelta(days=LARGE_EXPENSE_DAYS)).isoformat(), end=None,
                                 forward=True, limit=1000, cursor=None)
        from chalicelib.banking.transactions import Visibility

        txns = [repo.from_txn_item(i) for i in Visibility(deps, org_id).keep(recent.items)]
        raised += _large_expenses(deps, org_id, settings, txns, today)
        if (low := _low_balance(deps, org_id, settings, account, today)) is not None:
            raised.append(low)
    return raised + _overdue(deps, org_id, settings, today)


def list_alerts(deps: Deps, org_id: str, query: AlertQuery) -> Listing:
    items = all_items(lambda cursor: deps.store.query(_pk(org_id), prefix="ALERT#", forward=False, limit=1000,
                                                      cursor=cursor))
    alerts = [AlertOut.model_validate(i) for i in items if (not query.kind or i["kind"] == query.kind)
              and (not query.severity or i["severity"] == query.severity)]
    return page_of_matches(alerts, query, lambda a: a)
