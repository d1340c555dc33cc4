"""Webhooks: the outbox every change writes to, the event catalogue, subscriptions, signed deliveries with retries
(the worker and the local dispatch) and the egress guard they go through."""
