"""Tenancy and access: organizations, users, memberships, API keys, scopes, rate limits, idempotency."""
