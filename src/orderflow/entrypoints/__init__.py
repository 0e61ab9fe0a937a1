"""Ways in: the command line, the order HTTP API and the AWS-compatible endpoint, and
the processes `orderflow up` supervises."""
