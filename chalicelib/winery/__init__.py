"""The winery context (the MonChai API): wine clients, the cuvée catalogue, stocks and their alerts, and orders.

It is built on billing's records (one client base, one product record, invoices issued through billing), so the
books, VAT and the legal exports follow an order without a second copy of anything.
"""
