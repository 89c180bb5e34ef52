"""Under --redact, a request names an id as its client knows it; this finds it under the name it is stored by.

An id that holds a redacted datum is stored under a name derived from it (security/pseudonyms.py), so a path
segment or a *_id query parameter that holds one is rewritten to that name before routing: GET /v1/runs/<the id
the 202 answered> finds the run.
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import parse_qsl, quote, urlencode

from starlette.types import ASGIApp, Receive, Scope, Send

from collector.security import pseudonyms


class StoredIds:
    def __init__(self, app: ASGIApp, categories: Collection[str]):
        self.app = app
        self.categories = frozenset(categories)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.categories:
            scope = self._rewritten(scope)
        await self.app(scope, receive, send)

    def _rewritten(self, scope: Scope) -> Scope:
        segments = scope["path"].split("/")
        named = ["" if not segment else pseudonyms.stored(segment, self.categories) for segment in segments]
        query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        renamed = [(key, pseudonyms.stored(value, self.categories) if key.endswith("_id") else value)
                   for key, value in query]
        if named == segments and renamed == query:
            return scope
        path = "/".join(named)
        return {**scope, "path": path, "raw_path": quote(path).encode(),
                "query_string": urlencode(renamed).encode()}
