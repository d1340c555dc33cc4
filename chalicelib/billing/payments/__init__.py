"""Payments received from clients, allocated to one or several of their invoices."""
