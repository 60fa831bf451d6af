"""schemathesis over the OpenAPI schema: no 5xx, every response matches the schema.

A bounded run (`EXAMPLES` per operation) so it fits `make test`; signed in as an admin,
so each operation is reached past its auth check.
"""

from __future__ import annotations

from typing import Any, Final

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from basis.api.app import create_app
from basis.api.config import ServiceConfig
from basis.config.settings import Settings
from tests.api.stubs import login

EXAMPLES: Final = 15
CHECKS: Final = [not_a_server_error, response_schema_conformance]
UNLIMITED: Final = ServiceConfig(login_per_minute=1_000_000, requests_per_minute=1_000_000)


def _operations(app: Any) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.slow
def test_no_operation_answers_5xx_or_breaks_its_schema(settings: Settings) -> None:
    app = create_app(settings, UNLIMITED)
    with TestClient(app, raise_server_exceptions=False) as client:
        headers = login(client, "alice")
        operations = _operations(app)
        assert len(operations) >= 20
        for operation in operations:

            @given(case=operation.as_strategy())
            @hypothesis_settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: Any) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            check()
