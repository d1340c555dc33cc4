"""Outbound events: the outbox every state change writes to, and (later) subscriptions and delivery."""
