"""The analytics service: records every order event and reports on them."""
