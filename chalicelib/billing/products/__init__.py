"""Products and services of an organization's catalogue (prices, VAT rate, stock levels)."""
