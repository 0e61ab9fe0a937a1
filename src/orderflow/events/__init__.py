"""Event envelope and versioned event contracts (arrives with the order services)."""
