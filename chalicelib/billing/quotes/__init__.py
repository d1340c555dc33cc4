"""Quotes: priced offers to a client, numbered per year, that become invoices once accepted."""
