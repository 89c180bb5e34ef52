"""Decodes JSON request bodies into pydantic models with pydantic's own parser, and documents them in OpenAPI.

pydantic's parser refuses what json.loads lets through and the store cannot hold (lone surrogates in strings,
nesting deeper than its recursion limit), and is faster than json.loads followed by validation.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

Model = TypeVar("Model", bound=BaseModel)

# Integers the store keeps as BIGINT; a larger one is a 422, not an overflow in the writer.
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]


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
