"""The inventory service: stock per SKU; reserves it for new orders, releases it on cancel."""
