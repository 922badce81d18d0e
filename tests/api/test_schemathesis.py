"""A property-based run of the whole OpenAPI document (schemathesis): every operation, with
generated paths, queries, headers and bodies, as an administrator; no answer may be a server
error.

Bounded: a few derandomized examples per operation (a smoke run of the whole document on every
`make test`, not a fuzzing campaign), no deadline (the machine may be loaded)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

EXAMPLES_PER_OPERATION = 3


@pytest.mark.slow
def test_no_generated_request_to_any_operation_is_a_server_error(app, world):
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
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query or ''}: "
                    f"{response.status_code} {response.text[:200]}"
                )

        run()
    assert operations > 40  # the whole document, not a part of it
    assert failures == []
