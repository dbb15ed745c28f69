"""Running the receiver under uvicorn: what `leadscore serve` does once settings are loaded."""

from __future__ import annotations

import uvicorn
from starlette.applications import Starlette


def server_config(app: Starlette, host: str, port: int) -> uvicorn.Config:
    """uvicorn's settings for the receiver; shared by `serve` and the tests' server."""
    # log_config=None keeps leadscore's own logging (JSON in a container, secrets redacted);
    # access lines are left out: the app logs each webhook itself, without personal data.
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        ws="none",
        lifespan="off",
        server_header=False,
    )


def serve(app: Starlette, host: str, port: int) -> None:
    """Serve until SIGINT or SIGTERM (uvicorn finishes in-flight requests first)."""
    uvicorn.Server(server_config(app, host, port)).run()
