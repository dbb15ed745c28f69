"""Reading a request body without ever holding more than the configured limit."""

from __future__ import annotations

from starlette.requests import Request

from connector.webhooks.errors import BadPayload, BodyTooLarge


async def read_limited(request: Request, limit: int) -> bytes:
    """The whole body; BodyTooLarge as soon as it (declared or streamed) exceeds `limit`."""
    _check_declared_length(request, limit)
    chunks: list[bytes] = []
    size = 0
    # Content-Length can be absent (chunked) or lie: count what actually arrives too.
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(_too_large(limit))
        chunks.append(chunk)
    return b"".join(chunks)


def _check_declared_length(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length")
    if declared is None:
        return
    if not declared.isdigit():
        raise BadPayload("Content-Length is not a number")
    if int(declared) > limit:
        raise BodyTooLarge(_too_large(limit))


def _too_large(limit: int) -> str:
    return f"body over {limit} bytes ([webhooks] max_body_bytes)"
