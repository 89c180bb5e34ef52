"""Maps every failure to the wire in one JSON shape, {"detail": ...}, as the AgentD receiver and FastAPI do;
protocols with an error body of their own (OTLP/HTTP) plug theirs in by path."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from collector.receivers.workers import WorkersUnavailable
from collector.store import PoolExhausted
from collector.writer import RETRY_AFTER_SECONDS, Unavailable


def error_response(status: int, detail: Any, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=dict(headers or {}))


# (status, detail, request Content-Type, headers) -> the answer, for paths whose protocol defines its own error body
# (OTLP/HTTP answers a google.rpc.Status). Middleware that refuses a request before routing looks its path up here.
Responder = Callable[..., Response]


def refusal(responders: Mapping[str, Responder], path: str, content_type: str | None, status: int, detail: str,
            headers: Mapping[str, str] | None = None) -> Response:
    respond = responders.get(path)
    return respond(status, detail, content_type, headers) if respond else error_response(status, detail, headers)


def _field_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Where and what, without echoing the input back (it may be a whole 64 MiB body)."""
    return [{"type": e["type"], "loc": list(e["loc"]), "msg": e["msg"]} for e in errors]


def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    broken_json = next((e for e in errors if e["type"] == "json_invalid"), None)
    if broken_json is not None:
        reason = broken_json["msg"].removeprefix("Invalid JSON: ")
        return error_response(400, f"request body is not valid JSON: {reason}")
    return error_response(422, _field_errors(errors))


def _unavailable(_: Request, exc: Exception) -> JSONResponse:
    return error_response(503, f"{exc}; retry later", {"Retry-After": str(RETRY_AFTER_SECONDS)})


def install(app: FastAPI, responders: Mapping[str, Responder]) -> None:
    def http_error(request: Request, exc: HTTPException) -> Response:
        return refusal(responders, request.url.path, request.headers.get("content-type"), exc.status_code,
                       exc.detail, exc.headers)

    def unexpected(request: Request, exc: Exception) -> Response:
        # Starlette re-raises after this answer, so the server's log gets the traceback, and the server then closes
        # the connection: saying so lets the client open a new one instead of finding this one reset.
        close = {"Connection": "close"}
        if request.url.path in responders:
            return refusal(responders, request.url.path, request.headers.get("content-type"), 500,
                           "Internal server error", close)
        return JSONResponse({"detail": "Internal server error", "type": type(exc).__name__}, status_code=500,
                            headers=close)

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    for unavailable in (Unavailable, PoolExhausted, WorkersUnavailable):
        app.add_exception_handler(unavailable, _unavailable)
    app.add_exception_handler(Exception, unexpected)

