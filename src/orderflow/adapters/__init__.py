"""Concrete storage and delivery adapters: memory, SQLite, PostgreSQL, the AWS APIs, SMTP."""
