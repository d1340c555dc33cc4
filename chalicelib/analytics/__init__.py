"""Analytics: dashboard figures read from billing data (invoices, payments, expenses, clients); writes nothing."""
