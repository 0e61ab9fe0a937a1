"""Order, inventory, notification, analytics and refund services; they meet only through events."""
