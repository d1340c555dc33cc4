"""Reading bank transactions: one by id, and the filtered, paginated list of ``GET /bank/transactions``.

Only transactions of confirmed imports exist for readers (see the repository). Lists are newest booking date
first; by account they read that account's date index, by status the status index, otherwise every account's
index, and filter in memory; ``meta.total`` is the number of matches (an account's counts by status are on the
account itself, ``GET /bank/accounts``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from chalicelib.banking import repository as repo
from chalicelib.banking.models import BankTransaction, BankTransactionOut, TransactionListQuery
from chalicelib.core.errors import NotFound
from chalicelib.core.ids import is_uuid
from chalicelib.core.text import fold
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import Listing, all_items, page_of_matches
from chalicelib.store.port import Item, Page

_BATCH = 500


def to_out(txn: BankTransaction) -> BankTransactionOut:
    return BankTransactionOut.model_construct(**{n: getattr(txn, n) for n in BankTransactionOut.model_fields})


class Visibility:
    """Remembers which imports are confirmed, so a list checks each import once."""

    def __init__(self, deps: Deps, org_id: str) -> None:
        self.deps, self.org_id = deps, org_id
        self.known: dict[str, bool] = {}

    def keep(self, items: list[Item]) -> list[Item]:
        unknown = {str(i.get("import_id")) for i in items if i.get("import_id")} - set(self.known)
        if unknown:
            confirmed = repo.confirmed_imports(self.deps.store, self.org_id, unknown)
            self.known.update({i: i in confirmed for i in unknown})
        return [i for i in items if not i.get("import_id") or self.known[str(i["import_id"])]]


def require_transaction(deps: Deps, org_id: str, txn_id: str) -> BankTransaction:
    txn = repo.get_txn(deps.store, org_id, txn_id) if is_uuid(txn_id) else None
    if txn is None or not Visibility(deps, org_id).keep([repo.txn_item(txn)]):
        raise NotFound(f"bank transaction {txn_id} not found", code="bank_transaction_not_found")
    return txn


def get_transaction(deps: Deps, org_id: str, txn_id: str) -> BankTransactionOut:
    return to_out(require_transaction(deps, org_id, txn_id))


def visible_items(deps: Deps, org_id: str, *, account_id: str | None, status: str | None, start: str | None,
                  end: str | None) -> Iterator[Item]:
    """Visible transaction items, newest first within each source partition."""
    visibility = Visibility(deps, org_id)

    def by_account(account: str) -> Callable[[str | None], Page]:
        return lambda cursor: repo.of_account(deps.store, org_id, account, start=start, end=end, forward=False,
                                              limit=_BATCH, cursor=cursor)

    sources: list[Callable[[str | None], Page]]
    if account_id:
        sources = [by_account(account_id)]
    elif status:
        sources = [lambda cursor: repo.of_status(deps.store, org_id, status, start=start, end=end, forward=False,
                                                 limit=_BATCH, cursor=cursor)]
    else:
        sources = [by_account(account.id) for account in repo.accounts(deps.store, org_id)]
    for fetch in sources:
        batch: list[Item] = []
        for item in all_items(fetch):
            batch.append(item)
            if len(batch) == _BATCH:
                yield from visibility.keep(batch)
                batch = []
        yield from visibility.keep(batch)


def list_transactions(deps: Deps, org_id: str, query: TransactionListQuery) -> Listing:
    if query.account_id and not is_uuid(query.account_id):
        return Listing(items=[], page=query.page, limit=query.limit, total=0, next_cursor=None)
    needle = fold(query.search)
    items = visible_items(deps, org_id, account_id=query.account_id, status=query.status,
                          start=query.start_date.isoformat() if query.start_date else None,
                          end=query.end_date.isoformat() if query.end_date else None)
    matches = [repo.from_txn_item(i) for i in items
               if (not query.status or i.get("status") == query.status)
               and (not needle or needle in str(i.get("search_text", "")))]
    matches.sort(key=lambda t: (t.booking_date, t.id), reverse=True)
    return page_of_matches(matches, query, to_out)
