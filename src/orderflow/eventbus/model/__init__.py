"""The engine's records: what the store keeps for queues, messages, buses, rules and targets."""
