"""Clients (customers) of an organization."""
