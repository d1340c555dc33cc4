"""The books: charts of accounts, accounting settings, automatic posting, the journal, balances and VAT."""
