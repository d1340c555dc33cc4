"""Credit notes: legal documents that lower what a client owes on one issued invoice."""
