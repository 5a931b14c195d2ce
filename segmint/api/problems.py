"""Every error as problem details (RFC 9457), with Segmint's location and hint; never a trace.

Segmint errors keep their own status, title and words; request validation answers 422 with one
located problem per field, and a body that is not JSON 400 with its line and column; HTTP
errors (unknown route, wrong method) keep their status; anything else is logged here and
answered with a bare 500.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from segmint.api.models.common import PROBLEM_MEDIA_TYPE, Problem, ProblemItem, ProblemLocation
from segmint.errors import Location, SegmintError, ValidationError

logger = logging.getLogger("segmint.api")


def install(app: FastAPI) -> None:
    app.add_exception_handler(SegmintError, _segmint_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
    _document(app)


def _document(app: FastAPI) -> None:
    """Declare problem details under the media type they are sent with; FastAPI files every
    response model under the route's own media type (``application/json``, ``text/html``)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = app.openapi_schema
        if schema is None:
            schema = generate()
            for path in schema["paths"].values():
                for operation in path.values():
                    default = operation["responses"]["default"]
                    default["content"] = {
                        PROBLEM_MEDIA_TYPE: next(iter(default["content"].values()))
                    }
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def located(place: Location) -> ProblemLocation:
    return ProblemLocation(file=place.file, line=place.line, column=place.column, field=place.field)


def _respond(problem: Problem, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(mode="json", by_alias=True, exclude_none=True),
        status_code=problem.status,
        headers=headers,
        media_type=PROBLEM_MEDIA_TYPE,
    )


def _type(error: SegmintError) -> str:
    """A stable identifier per kind of error, from its title: ``urn:segmint:problem:not-found``."""
    return "urn:segmint:problem:" + re.sub(r"[^a-z0-9]+", "-", error.title.lower()).strip("-")


def problem_of(error: SegmintError) -> Problem:
    """A Segmint error as problem details: its status, title, words, location and hint."""
    problems = None
    if isinstance(error, ValidationError):
        problems = [
            ProblemItem(location=located(p.location), message=p.message) for p in error.problems
        ]
    return Problem(
        type=_type(error),
        title=error.title,
        status=error.http_status,
        detail=error.message,
        location=located(error.location) if error.location else None,
        hint=error.hint,
        problems=problems,
    )


#: The answer to an error nobody foresaw; the error itself goes to the server's log.
UNEXPECTED = Problem(
    type="about:blank",
    title="Internal Server Error",
    status=500,
    detail="an unexpected error occurred; it has been logged on the server",
)


async def _segmint_error(request: Request, error: SegmintError) -> JSONResponse:
    challenge = {"WWW-Authenticate": "Bearer"} if error.http_status == 401 else None
    return _respond(problem_of(error), challenge)


async def _invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
    broken = [item for item in error.errors() if item["type"] == "json_invalid"]
    if broken:
        return _respond(problem_of(await _not_json(request, broken[0])))
    problems = [
        ProblemItem(
            location=ProblemLocation(field=".".join(str(part) for part in item["loc"])),
            message=str(item["msg"]),
        )
        for item in error.errors()
    ]
    summary = "; ".join(f"{p.location.field}: {p.message}" for p in problems[:5])
    return _respond(
        Problem(
            type="urn:segmint:problem:request-validation",
            title="Invalid request",
            status=422,
            detail=f"{len(problems)} invalid field(s): {summary}",
            hint="see /docs for the expected parameters and body",
            problems=problems,
        )
    )


async def _not_json(request: Request, item: Mapping[str, Any]) -> SegmintError:
    """A body that does not parse is the client's error (400, not a field's 422), located by
    line and column as a file's is."""
    text = (await request.body()).decode(errors="replace")
    place = item["loc"][-1]
    before = text[: place if isinstance(place, int) else len(text)]
    line, column = before.count("\n") + 1, len(before) - before.rfind("\n")
    reason = item.get("ctx", {}).get("error", "it does not parse")
    return SegmintError(
        f"the request body is not JSON: {reason}",
        location=Location(line=line, column=column),
        hint="send the body as JSON; see /docs for its shape",
    )


async def _http_error(request: Request, error: HTTPException) -> JSONResponse:
    phrase = HTTPStatus(error.status_code).phrase
    detail = error.detail if isinstance(error.detail, str) else phrase
    problem = Problem(type="about:blank", title=phrase, status=error.status_code, detail=detail)
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = ", ".join(sorted(_allowed_methods(request)))
    return _respond(problem, headers)


def _allowed_methods(request: Request) -> set[str]:
    """Every method the path takes; Starlette's 405 names only the first route it tried."""
    return {
        method
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    }


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    logger.error("unexpected error in %s %s", request.method, request.url.path, exc_info=error)
    return _respond(UNEXPECTED)
