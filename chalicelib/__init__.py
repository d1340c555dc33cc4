"""CashPilot: everything that runs in Lambda lives under this package."""
