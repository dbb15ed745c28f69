"""How the receiver is served: the C HTTP parser, and start-up objects out of collections."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from connector.webhooks.server import freeze_startup_objects, server_config


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """The test process's objects back in the collector's care afterwards."""
    try:
        yield
    finally:
        gc.unfreeze()


def test_requests_are_parsed_by_httptools_not_pure_python_h11() -> None:
    config = server_config(Starlette(), "127.0.0.1", 8000)
    config.load()  # raises when httptools is not installed, instead of falling back to h11
    assert config.http_protocol_class is HttpToolsProtocol


@pytest.mark.usefixtures("unfrozen")
def test_objects_alive_at_startup_are_left_out_of_later_collections() -> None:
    made_at_startup: list[object] = [object()]
    gc.collect()
    alive = len(gc.get_objects())
    freeze_startup_objects()
    assert not any(tracked is made_at_startup for tracked in gc.get_objects())
    assert len(gc.get_objects()) < alive // 10  # a full collection no longer walks them
