"""The registry of backup parts: every context whose data an organization backup holds declares its part here
(see ``chalicelib.store.backup_parts``). Order is the order of the document's ``records``."""

from __future__ import annotations

from chalicelib.banking.backup import PART as BANK
from chalicelib.billing.clients.backup import PART as CLIENTS
from chalicelib.billing.credit_notes.backup import PART as CREDIT_NOTES
from chalicelib.billing.expenses.backup import PART as EXPENSES
from chalicelib.billing.invoices.backup import PART as INVOICES
from chalicelib.billing.payments.backup import PART as PAYMENTS
from chalicelib.billing.products.backup import PART as PRODUCTS
from chalicelib.billing.projects.backup import PART as PROJECTS
from chalicelib.billing.quotes.backup import PART as QUOTES
from chalicelib.billing.sequences_backup import PART as SEQUENCES
from chalicelib.company.backup import PART as COMPANY
from chalicelib.ledger.backup import PART as ACCOUNTING
from chalicelib.store.backup_parts import BackupPart

PARTS: tuple[BackupPart, ...] = (COMPANY, CLIENTS, PRODUCTS, PROJECTS, QUOTES, INVOICES, CREDIT_NOTES, PAYMENTS,
                                 EXPENSES, SEQUENCES, ACCOUNTING, BANK)
BY_NAME: dict[str, BackupPart] = {part.name: part for part in PARTS}
# The kinds of record of each part that holds several (``records[part]`` is then an object of lists).
KINDS: dict[str, tuple[str, ...]] = {part.name: part.kinds for part in PARTS if hasattr(part, "kinds")}
