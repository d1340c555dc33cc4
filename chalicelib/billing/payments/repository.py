"""Persistence of payments and of their allocations to invoices.

Key formats and access patterns:

| pattern | index | key condition |
|---|---|---|
| payment by id | table | pk=``ORG#<org>``, sk=``PAYMENT#<id>`` |
| payments by date | gsi1 | gsi1pk=``ORG#<org>#PAYMENTS``, gsi1sk=``<payment_date>#<id>`` |
| payments of a client | gsi2 | gsi2pk=``ORG#<org>#CLIENT#<client>#PAYMENTS``, gsi2sk=``<date>#<id>`` |
| allocations of an invoice | table | pk=``ORG#<org>``, sk begins ``INVPAY#<invoice>#`` (1 per payment) |
| number of payments (``meta.total``) | table | pk=``ORG#<org>``, sk=``COUNTER#payments`` |
| payments of a period (filtered totals) | table | pk=``ORG#<org>#PAYMENTCOUNTS``, sk=``*#<Y|M|D>#<period>`` |
| payments of a client in a period | table | pk=``ORG#<org>#PAYMENTCOUNTS``, sk=``C#<client>#<Y|M|D>#<period>`` |
| receipt numbers of a year | table | see ``chalicelib.billing.numbering`` (``RECEIPTS``) |

The period counts (``chalicelib.store.period_counts``) move with every insert and removal. They hold every payment
when their all-time sum equals ``COUNTER#payments``; payments recorded before they were kept make it differ, and
the listing then counts by reading (``count_between`` answers ``None``).

Version checks: every write of an existing payment expects its ``version``; ``unchanged`` is that precondition
alone, for a change decided on the payment that writes other items (the books' backfill). Other modules
build no key of this table: they call these functions.
"""

from __future__ import annotations

import datetime as dt

from chalicelib.billing.payments.models import Payment
from chalicelib.store import period_counts
from chalicelib.store.port import (
    Check,
    Delete,
    ExpectedVersion,
    Increment,
    Item,
    MustExist,
    MustNotExist,
    Operation,
    Page,
    Put,
    Store,
)

COUNTER_SK = "COUNTER#payments"


def _pk(org_id: str) -> str:
    return f"ORG#{org_id}"


def to_item(payment: Payment) -> Item:
    key = f"{payment.payment_date.isoformat()}#{payment.id}"
    return {"pk": _pk(payment.org_id), "sk": f"PAYMENT#{payment.id}", "gsi1pk": f"ORG#{payment.org_id}#PAYMENTS",
            "gsi1sk": key, "gsi2pk": f"ORG#{payment.org_id}#CLIENT#{payment.client_id}#PAYMENTS", "gsi2sk": key,
            "entity": "payment", **payment.model_dump(mode="json")}


def from_item(item: Item) -> Payment:
    return Payment.model_validate(item)


def get(store: Store, org_id: str, payment_id: str) -> Payment | None:
    item = store.get(_pk(org_id), f"PAYMENT#{payment_id}")
    return from_item(item) if item else None


def unchanged(org_id: str, payment_id: str, version: int | None) -> Check:
    """A precondition: the payment is still at ``version`` (unversioned: it still exists)."""
    return Check(_pk(org_id), f"PAYMENT#{payment_id}", ExpectedVersion(version) if version else MustExist())


def _counts_pk(org_id: str) -> str:
    return f"ORG#{org_id}#PAYMENTCOUNTS"


def _period_counts(payment: Payment, by: int) -> list[Operation]:
    return [Increment(_counts_pk(payment.org_id), f"{scope}{bucket}", "count", by, fields={"entity": "payment_count"})
            for scope in ("*#", f"C#{payment.client_id}#")
            for bucket in period_counts.bucket_keys(payment.payment_date)]


def insert(payment: Payment) -> list[Operation]:
    ops: list[Operation] = [Put(to_item(payment), MustNotExist()),
                            Increment(_pk(payment.org_id), COUNTER_SK, "count", 1), *_period_counts(payment, 1)]
    for a in payment.allocations:
        ops.append(Put({"pk": _pk(payment.org_id), "sk": f"INVPAY#{a.invoice_id}#{payment.id}", "entity": "allocation",
                        "payment_id": payment.id, "amount": str(a.amount)}, MustNotExist()))
    return ops


def remove(payment: Payment) -> list[Operation]:
    ops: list[Operation] = [Delete(_pk(payment.org_id), f"PAYMENT#{payment.id}", ExpectedVersion(payment.version)),
                            Increment(_pk(payment.org_id), COUNTER_SK, "count", -1), *_period_counts(payment, -1)]
    ops += [Delete(_pk(payment.org_id), f"INVPAY#{a.invoice_id}#{payment.id}") for a in payment.allocations]
    return ops


def of_invoice(store: Store, org_id: str, invoice_id: str) -> list[Payment]:
    page = store.query(_pk(org_id), prefix=f"INVPAY#{invoice_id}#", limit=1000)
    keys = [(_pk(org_id), f"PAYMENT#{i['payment_id']}") for i in page.items]
    return sorted((from_item(i) for i in store.batch_get(keys)), key=lambda p: (p.payment_date, p.created_at))


def count(store: Store, org_id: str) -> int:
    item = store.get(_pk(org_id), COUNTER_SK)
    return int(item["count"]) if item else 0


def count_between(store: Store, org_id: str, *, client_id: str | None, start: dt.date | None,
                  end: dt.date | None) -> int | None:
    """Payments (of a client) dated within [start, end], from the period counts; ``None`` when they do not hold
    every payment."""
    pk = _counts_pk(org_id)
    if period_counts.cumulative(store, pk, None, attribute="count", prefix="*#") != count(store, org_id):
        return None
    prefix = f"C#{client_id}#" if client_id else "*#"
    return period_counts.between(store, pk, start, end, attribute="count", prefix=prefix)


def query_by_date(store: Store, org_id: str, *, client_id: str | None, start: str | None, end: str | None,
                  limit: int, cursor: str | None) -> Page:
    if client_id:
        pk, index = f"ORG#{org_id}#CLIENT#{client_id}#PAYMENTS", "gsi2"
    else:
        pk, index = f"ORG#{org_id}#PAYMENTS", "gsi1"
    return store.query(pk, index=index, start=start, end=f"{end}~" if end else None,  # type: ignore[arg-type]
                       forward=False, limit=limit, cursor=cursor)
