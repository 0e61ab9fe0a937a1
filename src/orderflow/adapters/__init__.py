"""Concrete storage and delivery adapters (SQLite first; AWS and brokers later)."""
