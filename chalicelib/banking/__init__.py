"""Banking: bank accounts, statement import, bank transactions, reconciliation with invoices and expenses, alerts."""
