"""A property-based run of the whole OpenAPI document (schemathesis): every operation, with
generated paths, queries, headers and bodies, as an administrator. No answer may be a server
error, and every answer must be what the document says: a documented status, a documented
content type, and a body that matches the named schema of that status (success and error).

Bounded: a few derandomized examples per operation (a smoke run of the whole document on every
`make test`, not a fuzzing campaign), no deadline (the machine may be loaded)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

EXAMPLES_PER_OPERATION = 3
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.slow
def test_every_generated_request_gets_a_documented_answer_and_no_server_error(app, world):
    if not world.svc.config.database_url.startswith("sqlite"):
        pytest.skip("one database is enough for this run; the API tests cover both")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            response = case.call(headers=world.admin.headers)
            try:
                case.validate_response(response, checks=CHECKS)
            except FailureGroup as group:
                for failure in group.exceptions:
                    failures.append(
                        f"{case.method} {case.formatted_path} {case.query or ''}: "
                        f"{response.status_code} {failure.title}: {str(failure.message)[:300]}"
                    )

        run()
    assert operations > 40  # the whole document, not a part of it
    assert failures == []
