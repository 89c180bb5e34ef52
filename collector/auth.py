"""API-key check for every route but /health, in front of the app so refused requests are never read."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from collector.errors import Responder, refusal

OPEN_PATHS = frozenset({"/health"})


def presented_key(authorization: str | None, x_api_key: str | None) -> str | None:
    """The key a client sent as `Authorization: Bearer <key>` or `X-API-Key: <key>`."""
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    return x_api_key.strip() if x_api_key else None


class KeyChecker:
    def __init__(self, keys: tuple[str, ...]):
        self._keys = [key.encode() for key in keys]

    @property
    def enabled(self) -> bool:
        return bool(self._keys)

    def accepts(self, presented: str | None) -> bool:
        if presented is None:
            return False
        candidate = presented.encode()
        matched = False
        for key in self._keys:  # compare with every key so timing does not tell which one is close
            matched |= hmac.compare_digest(candidate, key)
        return matched


class ApiKeyAuth:
    def __init__(self, app: ASGIApp, checker: KeyChecker, responders: Mapping[str, Responder] | None = None):
        self.app = app
        self.checker = checker
        self.responders = responders or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.checker.enabled and scope["path"] not in OPEN_PATHS:
            headers = Headers(scope=scope)
            if not self.checker.accepts(presented_key(headers.get("authorization"), headers.get("x-api-key"))):
                await refusal(self.responders, scope["path"], headers.get("content-type"), 401,
                              "Invalid or missing API key", {"WWW-Authenticate": "Bearer"})(scope, receive, send)
                return
        await self.app(scope, receive, send)
