"""The framework alone: uvicorn and Starlette as `leadscore serve` runs them, nothing stored.

Run: .venv/bin/python -m bench.bare_receiver PORT

It reads each POST's body and answers the receiver's 202, without verifying, parsing,
storing or logging: the most acks/s this machine gives any receiver built this way, the
yardstick bench.webhooks quotes leadscore's own figures against.
"""

from __future__ import annotations

import sys

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connector.webhooks.server import freeze_startup_objects, serve


async def acknowledge(request: Request) -> Response:
    """Read the body, answer as the receiver answers a stored delivery."""
    await request.body()
    return Response(b'{"stored":1,"duplicates":0}', status_code=202, media_type="application/json")


async def ready(request: Request) -> Response:
    """Ready at once: there is nothing to reach."""
    return Response(b'{"ok":true}', media_type="application/json")


def main() -> None:
    """Serve on 127.0.0.1 at the port given, until SIGTERM."""
    routes = [Route("/webhooks/generic", acknowledge, methods=["POST"]), Route("/readyz", ready)]
    app = Starlette(routes=routes)
    freeze_startup_objects()
    serve(app, "127.0.0.1", int(sys.argv[1]))


if __name__ == "__main__":
    main()
