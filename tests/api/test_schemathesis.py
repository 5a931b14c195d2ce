"""Schemathesis generates requests from the OpenAPI schema: no request, however odd, gets a
server error, and every status code answered is one the schema documents."""

from __future__ import annotations

from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, openapi
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from tests.api.conftest import Keys


def test_no_request_gets_a_server_error(app: FastAPI, keys: Keys) -> None:
    schema = openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20

    @given(st.sampled_from(operations).flatmap(lambda operation: operation.as_strategy()))
    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    def no_server_error(case: Case) -> None:
        case.call_and_validate(
            headers={"Authorization": f"Bearer {keys.admin}", "x-sandbox-name": "prod"},
            checks=[not_a_server_error, status_code_conformance],
        )

    no_server_error()
