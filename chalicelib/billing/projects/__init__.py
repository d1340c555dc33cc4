"""Projects of an organization: budgets in hours and rates, optionally for one client."""
