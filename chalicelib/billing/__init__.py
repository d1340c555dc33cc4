"""Billing: clients, invoices, quotes, credit notes, payments, expenses, products, projects."""
