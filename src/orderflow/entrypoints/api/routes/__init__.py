"""The API's endpoints, one router per resource, each built around the ``System``."""
