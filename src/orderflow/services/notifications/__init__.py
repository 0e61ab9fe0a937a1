"""The notification service: emails the customer on confirmation, cancellation and refund."""
