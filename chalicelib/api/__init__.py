"""HTTP adapters: one route group (Chalice blueprint) per bounded context, the request pipeline, and the one
mapping from domain errors to HTTP answers."""
