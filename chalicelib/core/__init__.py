"""Cross-cutting pieces shared by every bounded context: settings, errors, ids, clock, serialization."""
