"""What an operator watches: Prometheus metrics read from the store (``metrics``,
served at ``/metrics`` by ``exposition``) and the log formats (``log_format``)."""
