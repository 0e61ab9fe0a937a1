"""Adapters over the AWS APIs through boto3: real AWS, ``orderflow serve`` on another
host, or any AWS-compatible endpoint (moto's server, LocalStack).

- ``clients``: where and how to connect (``AwsConnection``), the boto3 clients, and
  botocore's errors translated into ``AwsError`` with AWS's code and message;
- ``transport``: the services' remote, at-least-once transport (SQS receive, delete,
  change visibility; EventBridge PutEvents);
- ``apis``: the engine-shaped EventBridge and SQS operations over boto3 (``AwsApis``:
  ``remote_events``, ``remote_queues``, sharing ``calls``), in the account the endpoint
  names, so that the topology file applies to a remote endpoint as it does to the
  embedded engine.
"""
