"""Booking a bank transaction: match it to invoices or an expense, ignore it, or undo either.

- A credit matched to invoices records one payment (the payments service: the invoices become partial or paid,
  the BQ entry posts to the bank account's account of the books), in the same transaction as the bank
  transaction's change, so the entry posts once and never twice: the transaction must still be ``unmatched``
  at its version.
- A debit matched to an expense links them: the expense's AC entry already credits the bank (an expense is
  recorded as paid), so nothing more posts; a link marker keeps an expense from being matched twice.
- Ignoring (bank fees, interest, transfers between own accounts) may post a BQ entry between the bank account
  and the account of the books given.
- Unmatching reverses what the match or the ignore did: the payment is deleted (its entry reversed, the invoices
  reopened), the link removed, the ignore's entry reversed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from chalicelib.banking import repository as repo
from chalicelib.banking.accounts import event, require_account
from chalicelib.banking.models import (
    BankTransaction,
    BankTransactionOut,
    IgnoreRequest,
    MatchLink,
    MatchRequest,
    TransactionStatus,
)
from chalicelib.banking.transactions import require_transaction, to_out
from chalicelib.billing.payments.models import Payment
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed
from chalicelib.core.money import ZERO
from chalicelib.store.deps import Deps
from chalicelib.store.port import Delete, MustNotExist, Operation, Put
from chalicelib.store.unit import Step, commit, plain, retrying


def link_sk(kind: str, doc_id: str) -> str:
    return f"BANKLINK#{kind}#{doc_id}"


def _moved(current: BankTransaction, status: TransactionStatus, **changes: object) -> tuple[BankTransaction,
                                                                                             list[Operation]]:
    updated = current.model_copy(update={**changes, "status": status, "version": current.version + 1})
    counts = repo.add_to_totals(current.org_id, current.account_id, 0, 0, {current.status: -1, status: 1})
    return updated, [repo.replace_txn(updated, current), counts]


def _unmatched(deps: Deps, org_id: str, txn_id: str) -> BankTransaction:
    txn = require_transaction(deps, org_id, txn_id)
    if txn.status != "unmatched":
        raise Conflict(f"the transaction is already {txn.status}; unmatch it first", code="transaction_not_unmatched",
                       details={"status": [txn.status]})
    return txn


def _allocations(txn: BankTransaction, data: MatchRequest, balances: list[Decimal]) -> list[Decimal]:
    paid = abs(txn.amount)
    if data.amounts is not None:
        if sum(data.amounts, ZERO) != paid:
            raise ValidationFailed(f"the amounts add up to {sum(data.amounts, ZERO)}, the transaction is {paid}",
                                   code="amounts_mismatch", details={"amounts": [f"must add up to {paid}"]})
        return list(data.amounts)
    out, left = [], paid
    for n, balance in enumerate(balances):
        share = left if n == len(balances) - 1 else min(left, max(balance, ZERO))
        out.append(share)
        left -= share
    if any(a <= 0 for a in out):
        raise ValidationFailed("the transaction's amount does not reach every invoice; send amounts",
                               code="amounts_mismatch", details={"amounts": ["required"]})
    return out


def match_invoices(deps: Deps, org_id: str, txn_id: str, data: MatchRequest, *, score: int | None = None
                   ) -> BankTransactionOut:
    from chalicelib.billing.invoices.service import require_invoice
    from chalicelib.billing.payments.models import AllocationIn, PaymentCreate
    from chalicelib.billing.payments.service import create_payment

    first = _unmatched(deps, org_id, txn_id)
    if first.amount <= 0:
        raise ValidationFailed("a debit pays an expense, not an invoice", code="wrong_direction",
                               details={"invoice_ids": ["the transaction is a debit: match it to an expense_id"]})
    invoice_ids = data.invoice_ids or []
    invoices = [require_invoice(deps, org_id, i) for i in invoice_ids]
    amounts = _allocations(first, data, [inv.total_ttc - inv.total_credited - inv.amount_paid for inv in invoices])
    account = require_account(deps, org_id, first.account_id)
    allocations = [AllocationIn(invoice_id=i, amount=a) for i, a in zip(invoice_ids, amounts, strict=True)]
    payment = PaymentCreate(allocations=allocations,
                            payment_method="bank_transfer", payment_date=first.booking_date,
                            reference=(first.bank_ref or first.label)[:100], overpayment=True,
                            notes=f"bank transaction {first.id}")
    result: list[BankTransaction] = []

    def also(paid: Payment) -> list[Step]:
        current = _unmatched(deps, org_id, txn_id)  # read again in the payment's attempt: its version is checked
        links = [MatchLink(kind="invoice", id=a.invoice_id, number=a.invoice_number, amount=a.amount)
                 for a in paid.allocations]
        updated, ops = _moved(current, "matched", matched=links, payment_id=paid.id, match_score=score,
                              matched_by="manual" if score is None else "auto")
        result[:] = [updated]
        return plain([*ops, _txn_event(deps, updated, "bank.transaction.matched")])

    create_payment(deps, org_id, payment, ledger_account=account.ledger_account, also=also)
    return to_out(result[0])


def match_expense(deps: Deps, org_id: str, txn_id: str, expense_id: str, *, score: int | None = None
                  ) -> BankTransactionOut:
    from chalicelib.billing.expenses.service import require_expense

    def attempt() -> BankTransactionOut:
        current = _unmatched(deps, org_id, txn_id)
        if current.amount >= 0:
            raise ValidationFailed("a credit pays invoices, not an expense", code="wrong_direction",
                                   details={"expense_id": ["the transaction is a credit: match it to invoice_ids"]})
        expense = require_expense(deps, org_id, expense_id)
        link = MatchLink(kind="expense", id=expense.id, number=expense.reference, amount=abs(current.amount))
        updated, ops = _moved(current, "matched", matched=[link], match_score=score,
                              matched_by="manual" if score is None else "auto")
        marker = Put({"pk": repo.org_pk(org_id), "sk": link_sk("expense", expense.id), "entity": "bank_link",
                      "transaction_id": current.id}, MustNotExist())
        taken = Conflict("this expense is already matched to another bank transaction", code="expense_already_matched")
        commit(deps.store, [*plain(ops), (marker, taken), *plain([_txn_event(deps, updated,
                                                                            "bank.transaction.matched")])])
        return to_out(updated)

    return retrying(deps.store, attempt)


def match(deps: Deps, org_id: str, txn_id: str, data: MatchRequest) -> BankTransactionOut:
    if data.expense_id:
        return match_expense(deps, org_id, txn_id, data.expense_id)
    return match_invoices(deps, org_id, txn_id, data)


def _txn_event(deps: Deps, txn: BankTransaction, type_: str) -> Operation:
    return event(deps, txn.org_id, type_, "bank_transaction", txn.id, to_out(txn).model_dump(mode="json"))


def ignore(deps: Deps, org_id: str, txn_id: str, data: IgnoreRequest) -> BankTransactionOut:
    from chalicelib.ledger.posting import Draft, DraftLine, Posting

    def attempt() -> BankTransactionOut:
        current = _unmatched(deps, org_id, txn_id)
        account = require_account(deps, org_id, current.account_id)
        posting = Posting.open(deps, org_id)
        if data.ledger_account:
            if posting.books is None:
                raise Conflict("accounting is not initialized: nothing can be posted",
                               code="accounting_not_initialized")
            if data.ledger_account not in posting.books.account_names:
                raise ValidationFailed(f"account {data.ledger_account} is not in the chart of accounts",
                                       code="unknown_account", details={"ledger_account": ["not in the chart"]})
            amount, label = abs(current.amount), current.label[:200]
            bank = DraftLine(label=label, debit=amount if current.amount > 0 else ZERO,
                             credit=amount if current.amount < 0 else ZERO, account=account.ledger_account)
            other = DraftLine(label=label, debit=bank.credit, credit=bank.debit, account=data.ledger_account)
            posting.post(Draft(journal="BQ", entry_date=current.booking_date, piece_ref=(current.bank_ref or
                               current.id[:8])[:100], piece_date=current.booking_date, label=label,
                               currency=account.currency, source_type="bank_transaction", source_id=current.id,
                               event="bank.transaction.ignored", lines=(bank, other)))
        updated, ops = _moved(current, "ignored", ignored_account=data.ledger_account, ignore_reason=data.reason)
        commit(deps.store, [*plain([*ops, _txn_event(deps, updated, "bank.transaction.ignored")]), *posting.steps()])
        return to_out(updated)

    return retrying(deps.store, attempt)


def unmatch(deps: Deps, org_id: str, txn_id: str) -> BankTransactionOut:
    first = require_transaction(deps, org_id, txn_id)
    if first.status == "unmatched":
        raise Conflict("the transaction is not matched nor ignored", code="transaction_not_matched")
    if first.payment_id:
        return _unpay(deps, org_id, first)

    def attempt() -> BankTransactionOut:
        from chalicelib.ledger.posting import Posting

        current = require_transaction(deps, org_id, txn_id)
        if current.status == "unmatched" or current.payment_id:
            raise Conflict("the transaction changed meanwhile", code="transaction_changed")
        posting = Posting.open(deps, org_id)
        if current.status == "ignored":
            posting.reverse("bank_transaction", current.id, event="bank.transaction.unmatched",
                            day=_today(deps, org_id))
        links: list[Operation] = [Delete(repo.org_pk(org_id), link_sk(link.kind, link.id)) for link in current.matched
                                  if link.kind == "expense"]
        updated, ops = _reset(current)
        commit(deps.store, [*plain([*ops, *links, _txn_event(deps, updated, "bank.transaction.unmatched")]),
                            *posting.steps()])
        return to_out(updated)

    return retrying(deps.store, attempt)


def _reset(current: BankTransaction) -> tuple[BankTransaction, list[Operation]]:
    return _moved(current, "unmatched", matched=[], payment_id=None, match_score=None, matched_by=None,
                  ignored_account=None, ignore_reason=None)


def _unpay(deps: Deps, org_id: str, first: BankTransaction) -> BankTransactionOut:
    from chalicelib.billing.payments.service import delete_payment

    result: list[BankTransaction] = []

    def also(_: Payment) -> list[Step]:
        current = require_transaction(deps, org_id, first.id)
        if current.payment_id != first.payment_id:
            raise Conflict("the transaction changed meanwhile", code="transaction_changed")
        updated, ops = _reset(current)
        result[:] = [updated]
        return plain([*ops, _txn_event(deps, updated, "bank.transaction.unmatched")])

    try:
        delete_payment(deps, org_id, str(first.payment_id), also=also)
    except NotFound:  # the payment was deleted by hand: only the transaction is left to reset
        current = require_transaction(deps, org_id, first.id)
        updated, ops = _reset(current)
        retrying(deps.store, lambda: commit(deps.store, plain(ops)))
        return to_out(updated)
    return to_out(result[0])


def _today(deps: Deps, org_id: str) -> dt.date:
    from chalicelib.auth.calendar import org_today

    return org_today(deps, org_id)

