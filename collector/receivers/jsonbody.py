"""Decodes JSON request bodies into pydantic models with pydantic's own parser, and documents them in OpenAPI.

pydantic's parser refuses what json.loads lets through and the store cannot hold (lone surrogates in strings,
nesting deeper than its recursion limit), and is faster than json.loads followed by validation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from collector.bounds import MAX_COST_USD, MAX_DURATION_MS, MAX_TOKENS

Model = TypeVar("Model", bound=BaseModel)

# Integers the store keeps as BIGINT; a larger one is a 422, not an overflow in the writer.
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
Tokens = Annotated[int, Field(ge=0, le=MAX_TOKENS)]
Usd = Annotated[float, Field(ge=0, le=MAX_COST_USD)]
Millis = Annotated[int, Field(ge=-MAX_DURATION_MS, le=MAX_DURATION_MS)]
# What a record is stored and found by: an empty one would name nothing, a huge one is a client's bug.
Id = Annotated[str, Field(min_length=1, max_length=1024)]


class Record(BaseModel):
    """Base of the receivers' body models."""

    # NaN and infinities are not JSON and would poison every sum over the column.
    model_config = ConfigDict(allow_inf_nan=False)

# Schemas of every documented body and the models they nest, for the OpenAPI components.
SCHEMAS: dict[str, dict[str, Any]] = {}


def parse(model: type[Model], body: bytes) -> Model:
    """The body as `model`, or a RequestValidationError whose locations start at "body", as FastAPI's do."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError([{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]) from None


def documented(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` for a route that parses its body itself: the body is `model`, as JSON."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    SCHEMAS.update(schema.pop("$defs", {}))
    SCHEMAS[model.__name__] = schema
    reference = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": reference}}}}


def ingest_route(router: APIRouter, path: str, endpoint: Callable[[Request], Awaitable[Response]],
                 model: type[BaseModel], status_code: int) -> None:
    """POST `path` served by `endpoint` as a plain Starlette route, matched before the FastAPI route that documents
    it (same endpoint, JSON body `model`, answers `status_code`). FastAPI's per-request endpoint handling
    (dependency solving, serializing the answer) costs ~12% of what a POST /v1/runs costs the event loop: with the
    writer stubbed out, tests.benchmarks.bench_agentd_runs reached 2,560 runs/s through the FastAPI route and 2,875
    through this one, the event loop at 100% of a core either way."""
    router.routes.append(Route(path, endpoint, methods=["POST"]))
    router.add_api_route(path, endpoint, methods=["POST"], status_code=status_code, openapi_extra=documented(model),
                         response_model=dict[str, Any])
