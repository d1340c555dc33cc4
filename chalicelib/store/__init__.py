"""The storage port and its adapters (SQLite embedded, DynamoDB) and the blob port (files, S3)."""
