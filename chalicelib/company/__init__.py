"""The company profile: who the organization is on its documents and in its books (identifiers, address, bank
account, currency, fiscal year, accounting country)."""
