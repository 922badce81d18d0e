"""What the services answer, as pydantic models: the same classes document the API's answers
(their JSON schemas are the OpenAPI document's named response schemas), so a service's
result and the contract a client reads cannot drift apart."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

# A parameter's value: a number, or a vector or matrix of numbers.
ParamValue = float | list[float] | list[list[float]]


class Result(BaseModel):
    """A service's answer. Fields beyond those named may appear (a newer server may say
    more); a client relies on the named ones."""

    model_config = ConfigDict(extra="allow")


class Page(Result):
    """One page of a listing: `items`, the `total` count and the page asked for."""

    items: list[Any]
    total: int
    limit: int
    offset: int
