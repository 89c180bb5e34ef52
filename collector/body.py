"""Reads each request body whole before the app sees it: capped, and gzip/deflate inflated with the same cap."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from collector.errors import Responder, refusal

# zlib window bits: 16 + 15 reads a gzip header, 15 a zlib (HTTP "deflate") header.
_WBITS = {"gzip": 31, "x-gzip": 31, "deflate": 15}
_NO_BODY_METHODS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})

class BodyError(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


class ClientGone(Exception):
    """The client disconnected before sending its whole body."""


class _Inflater:
    """Inflates chunk by chunk and stops as soon as the output passes the cap, so a bomb costs at most the cap."""

    def __init__(self, encoding: str, limit: int):
        self._wbits = _WBITS[encoding]
        self._encoding = encoding
        self._limit = limit
        self._inflate = zlib.decompressobj(self._wbits)
        self.out = bytearray()

    def feed(self, chunk: bytes) -> None:
        while chunk:
            try:
                self.out += self._inflate.decompress(chunk, self._limit + 1 - len(self.out))
            except zlib.error as exc:
                raise BodyError(400, f"request body is not valid {self._encoding} data: {exc}") from None
            if len(self.out) > self._limit:
                raise BodyError(413, f"request body inflates to more than {self._limit} bytes")
            # A gzip body may hold several members back to back.
            chunk = self._inflate.unused_data if self._inflate.eof else b""
            if chunk:
                self._inflate = zlib.decompressobj(self._wbits)

    def finish(self) -> bytes:
        if not self._inflate.eof:
            raise BodyError(400, f"request body is truncated {self._encoding} data")
        return bytes(self.out)


async def read_body(receive: Receive, encoding: str, limit: int, timeout: float) -> bytes:
    """The whole body, which must arrive within `timeout` seconds: a client that sends it a byte at a time would
    otherwise hold its connection and request open for ever."""
    inflater = _Inflater(encoding, limit) if encoding in _WBITS else None
    raw = bytearray()
    received = 0
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            async with asyncio.timeout_at(deadline):
                message = await receive()
        except TimeoutError:
            raise BodyError(408, f"request body did not arrive within {timeout:g} s") from None
        if message["type"] == "http.disconnect":
            raise ClientGone()
        chunk = message.get("body", b"")
        received += len(chunk)
        if received > limit:
            raise BodyError(413, f"request body is larger than {limit} bytes")
        if inflater is None:
            raw += chunk
        else:
            inflater.feed(chunk)
        if not message.get("more_body", False):
            return inflater.finish() if inflater else bytes(raw)


class BoundedBody:
    def __init__(self, app: ASGIApp, limit: int, timeout: float, responders: Mapping[str, Responder] | None = None):
        self.app = app
        self.limit = limit
        self.timeout = timeout
        self.responders = responders or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _NO_BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        encoding = headers.get("content-encoding", "identity").strip().lower()
        try:
            if encoding not in _WBITS and encoding != "identity":
                raise BodyError(415, f"Content-Encoding {encoding!r} is not supported; use gzip, deflate or none")
            declared = headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.limit:
                raise BodyError(413, f"request body is larger than {self.limit} bytes")
            body = await read_body(receive, encoding, self.limit, self.timeout)
        except BodyError as exc:
            # The rest of a body that was refused is not read: the connection cannot serve another request.
            response = refusal(self.responders, scope["path"], headers.get("content-type"), exc.status, exc.detail,
                               {"Connection": "close"})
            await response(scope, receive, send)
            return
        except ClientGone:
            return
        plain_headers = [(name, value) for name, value in scope["headers"]
                         if name not in (b"content-encoding", b"content-length")]
        plain_headers.append((b"content-length", str(len(body)).encode()))
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app({**scope, "headers": plain_headers}, replay, send)
