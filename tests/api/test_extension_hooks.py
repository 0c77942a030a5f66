"""The settled extension hooks run exactly as strawberry's own runner runs them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import strawberry
from strawberry.extensions import SchemaExtension

from backend.api.extension_hooks import Schema


class Refused(Exception):
    pass


def _recording(events: list[str]) -> tuple[type[SchemaExtension], type[SchemaExtension]]:
    class Generators(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            events.append("operation in")
            yield
            events.append("operation out")

        def on_parse(self) -> Iterator[None]:
            events.append("parse in")
            yield
            events.append("parse out")

        def on_execute(self) -> Iterator[None]:
            events.append("execute in")
            yield
            result = self.execution_context.result
            events.append(f"execute out with errors: {bool(result and result.errors)}")

        def get_results(self) -> dict[str, str]:
            return {"generators": "yes"}

    class Plain(SchemaExtension):
        # A hook that is a plain function, not a generator: strawberry wraps it itself.
        def on_validate(self) -> None:  # type: ignore[override]
            events.append("validate (plain)")

    return Generators, Plain


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "hi"

    @strawberry.field
    def refused(self) -> str:
        raise Refused("no")


def _run(schema_class: type[strawberry.Schema], query: str) -> tuple[list[str], object]:
    events: list[str] = []
    generators, plain = _recording(events)
    schema = schema_class(query=Query, extensions=[generators, plain])
    # Twice: the second run reads what the first settled.
    schema.execute_sync(query)
    events.clear()
    result = schema.execute_sync(query)
    return events, result


@pytest.mark.parametrize("query", ["{ hello }", "{ refused }", "{ nope }", "{ hello"])
def test_hooks_run_in_the_order_and_with_the_results_of_strawberrys_runner(query: str) -> None:
    settled_events, settled = _run(Schema, query)
    standard_events, standard = _run(strawberry.Schema, query)
    assert settled_events == standard_events
    assert settled_events  # the extensions did run
    assert settled.data == standard.data
    assert [error.message for error in settled.errors or []] == [
        error.message for error in standard.errors or []
    ]
    assert settled.extensions == standard.extensions == {"generators": "yes"}
