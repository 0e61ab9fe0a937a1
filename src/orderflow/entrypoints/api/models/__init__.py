"""The API's JSON: request bodies (strict) and responses, camelCase like the events."""
