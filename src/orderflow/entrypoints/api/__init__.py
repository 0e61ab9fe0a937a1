"""The order service's HTTP API (FastAPI), built by ``build_api(system)``.

Modules, one concept each:

    app           the factory: routes, error handlers, body-size limit, OpenAPI metadata
    models/       request bodies (strict, camelCase) and responses
    routes/       the endpoints: orders, inventory, health; the errors they document
    scope         a command's transaction, then the outbox relay
    queries       read-only views of orders and stock
    errors        domain and storage errors as HTTP responses (422, 404, 409, 503, 500)
    media_type    bodies must be JSON (415 otherwise)
    body_limit    a pure ASGI middleware refusing large bodies (413)
    auth          a pure ASGI middleware requiring an API key with the scope (401, 403);
                  the keys themselves are ``orderflow.entrypoints.api_keys``
"""

from orderflow.entrypoints.api.app import MAX_BODY_BYTES, build_api, close_api

__all__ = ["MAX_BODY_BYTES", "build_api", "close_api"]
