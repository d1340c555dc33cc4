"""Expenses of an organization: what it paid, when, to whom, with the VAT it may deduct, and the receipt."""
