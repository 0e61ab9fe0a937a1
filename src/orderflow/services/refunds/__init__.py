"""The refund service: refunds what could not be shipped to refund-eligible customers."""
