"""Invoices: totals, numbering, status transitions, and the documents that change what a client owes."""
