"""The executor's direct reading of loaded rows gives exactly what graphql-core's standard path
gives: the same data, the same errors at the same paths, the same nulls, for every viewer."""

from __future__ import annotations

from datetime import timedelta
from enum import Enum

import pytest
import strawberry
import strawberry_django
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import timezone
from strawberry import relay
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from backend.api import schema as api_schema
from backend.api.execution import Executor, build_extensions, settle
from backend.common.graphql import Context
from backend.records.graphql.types import CLOSED_SESSION_TITLE, MeetingStatus
from backend.records.models import AgendaItem, Body, Meeting, Minutes, MinutesVersion
from tests.records.factories import at, document_row, records_world, vote_row

pytestmark = pytest.mark.django_db

PAGE = """
query ($first: Int!) {
  meetings(first: $first) {
    totalCount
    edges {
      cursor
      node {
        id title startsAt endsAt status statusReason isPublished
        body { id name slug classification active }
        currentItem { id title contentHidden }
        agendaItems {
          id position number title description recommendation outcome kind contentHidden
          alias: title
          documents { id title kind contentType size sha256 pageCount textStatus url }
          votes { motion result yesCount noCount memberVotes { value person { id name } } }
        }
        documents { id title url }
        minutes {
          status publishedAt adoptedByMeeting { title }
          versions { number text reason diff createdAt createdByName }
        }
        ... on Meeting { location }
        ...more
      }
    }
  }
}
fragment more on Meeting { livestreamUrl videoUrl revision }
"""


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = records_world()
    for index in range(4):
        meeting = Meeting.objects.create(
            body=world.council,
            title=f"Council {index}",
            starts_at=at(2024, 1, 2) + timedelta(days=7 * index),
            ends_at=None if index % 2 else at(2024, 1, 2) + timedelta(days=7 * index, hours=2),
            published_at=timezone.now(),
        )
        opened = AgendaItem.objects.create(meeting=meeting, position=1, title="Roads")
        closed = AgendaItem.objects.create(
            meeting=meeting, position=2, title="Personnel", is_closed_session=True
        )
        meeting.current_item = closed if index % 2 else opened
        meeting.save()
        document_row(meeting, None, "Agenda")
        document_row(meeting, opened, "Roads report")
        document_row(meeting, closed, "Personnel memo")
        vote_row(opened, world.members)
        vote_row(closed, world.members)
        minutes = Minutes.objects.create(
            meeting=meeting, status=Minutes.Status.PUBLISHED, published_at=timezone.now()
        )
        MinutesVersion.objects.create(
            minutes=minutes, number=1, text="Present: all.", created_by=world.clerk
        )
    return world


def _context(user) -> Context:
    request = RequestFactory().post("/graphql")
    request.user = user or AnonymousUser()
    return Context(request=request)


def _both(schema: strawberry.Schema, query: str, variables: dict, user) -> tuple:
    """The operation run by the schema's executor, then by graphql-core's standard one."""
    fast = schema.execute_sync(query, variable_values=variables, context_value=_context(user))
    executor = schema.execution_context_class
    schema.execution_context_class = StrawberryGraphQLCoreExecutionContext
    try:
        standard = schema.execute_sync(
            query, variable_values=variables, context_value=_context(user)
        )
    finally:
        schema.execution_context_class = executor
    return fast, standard


def _errors(result) -> list[tuple[str, list]]:
    return sorted((error.message, error.path) for error in result.errors or [])


@pytest.mark.parametrize("role", ["anonymous", "resident", "clerk", "other_clerk", "admin"])
def test_a_full_page_is_identical_to_the_standard_path(world, role: str) -> None:
    assert api_schema.schema.execution_context_class is Executor
    fast, slow = _both(api_schema.schema, PAGE, {"first": 10}, world.users()[role])
    assert slow.errors is None
    assert fast.errors is None
    assert fast.data == slow.data
    # The page has what it is meant to have, so the comparison compared something.
    edges = fast.data["meetings"]["edges"]
    assert len(edges) >= 5
    hidden = {item["contentHidden"] for edge in edges for item in edge["node"]["agendaItems"]}
    assert hidden == ({False} if role in ("clerk", "admin") else {False, True})
    assert list(edges[0]["node"]) == list(slow.data["meetings"]["edges"][0]["node"])


WITHHELD = ("title", "description", "recommendation", "outcome")
ITEMS_PAGE = "{ meetings(first: 10) { edges { node { agendaItems { FIELDS } } } } }".replace(
    "FIELDS", " ".join(WITHHELD)
)


def _items(result) -> list[dict]:
    assert result.errors is None
    edges = result.data["meetings"]["edges"]
    return [item for edge in edges for item in edge["node"]["agendaItems"]]


def _counted_resolvers(monkeypatch) -> list[str]:
    """The calls of the withheld fields' resolvers: each asks ``_content_hidden`` first."""
    from backend.records.graphql import types

    calls = []
    decide = types._content_hidden

    def counted(item, info):
        calls.append(info.field_name)
        return decide(item, info)

    monkeypatch.setattr(types, "_content_hidden", counted)
    return calls


@pytest.mark.parametrize("role", ["anonymous", "clerk"])
def test_withheld_fields_are_read_from_the_row_as_their_resolvers_declare(
    world, monkeypatch, role: str
) -> None:
    """Items loaded with their ``content_hidden`` flag are answered from the row, as each
    resolver declares (``withheld_by``), without calling it."""
    from backend.records.graphql.types import AgendaItemType

    for name in WITHHELD:
        declared = getattr(AgendaItemType, name).base_resolver.wrapped_func.withheld
        assert (declared.flag, declared.column) == ("content_hidden", name)
    calls = _counted_resolvers(monkeypatch)
    items = _items(
        api_schema.schema.execute_sync(ITEMS_PAGE, context_value=_context(world.users()[role]))
    )
    assert calls == []
    closed = [item for item in items if item["title"] == CLOSED_SESSION_TITLE]
    if role == "anonymous":
        assert len(closed) >= 4
        assert all(set(item.values()) == {CLOSED_SESSION_TITLE, None} for item in closed), closed
    else:
        assert closed == []
        assert sum(item["title"] == "Personnel" for item in items) == 4


def test_items_without_their_flag_are_answered_by_the_resolvers(world, monkeypatch) -> None:
    """Rows loaded without the annotation are the resolvers' to answer, and they decide the
    same."""
    from backend.records.graphql import types

    annotated = _items(api_schema.schema.execute_sync(ITEMS_PAGE, context_value=_context(None)))
    visible = types.agenda_items_visible_to

    def unannotated(*, user, queryset):
        return queryset.filter(pk__in=visible(user=user, queryset=queryset).values("pk"))

    monkeypatch.setattr(types, "agenda_items_visible_to", unannotated)
    calls = _counted_resolvers(monkeypatch)
    items = _items(api_schema.schema.execute_sync(ITEMS_PAGE, context_value=_context(None)))
    assert items == annotated
    assert sorted(set(calls)) == sorted(WITHHELD)
    assert len(calls) == len(items) * len(WITHHELD)


ROWS_PAGE = """
query ($first: Int!) {
  meetings(first: $first) {
    edges { node {
      id title
      agendaItems {
        id position number title description recommendation outcome kind isClosedSession
        revision
      }
    } }
  }
}
"""


def _counting_dict_rows(monkeypatch) -> dict[str, int]:
    """How many related rows were loaded as dicts, and how many became model instances."""
    from backend.common import models as common_models

    counts = {"dicts": 0, "instances": 0}
    iterate, instance = common_models.RowDictIterable.__iter__, common_models.RowDicts.instance

    def dicts(self):
        for row in iterate(self):
            counts["dicts"] += type(row) is dict
            yield row

    def counted_instance(self, row):
        counts["instances"] += 1
        return instance(self, row)

    monkeypatch.setattr(common_models.RowDictIterable, "__iter__", dicts)
    monkeypatch.setattr(common_models.RowDicts, "instance", counted_instance)
    return counts


@pytest.mark.parametrize("role", ["anonymous", "resident", "clerk", "other_clerk", "admin"])
def test_related_rows_read_as_dicts_give_the_standard_paths_page(
    world, monkeypatch, role: str
) -> None:
    counts = _counting_dict_rows(monkeypatch)
    fast, slow = _both(api_schema.schema, ROWS_PAGE, {"first": 10}, world.users()[role])
    assert fast.errors is None and slow.errors is None
    assert fast.data == slow.data
    items = [
        item for edge in fast.data["meetings"]["edges"] for item in edge["node"]["agendaItems"]
    ]
    assert len(items) >= 9
    # Every item was read from its dict, none built as a model instance.
    assert counts == {"dicts": len(items), "instances": 0}


def test_a_row_read_as_a_dict_that_needs_the_standard_path_becomes_its_model_instance(
    world, monkeypatch
) -> None:
    """A value the executor cannot take as it is (a stored kind outside its enum) sends the
    item to the standard path, on the instance a model row would have been."""
    item = AgendaItem.objects.filter(title="Roads").order_by("pk").first()
    AgendaItem.objects.filter(pk=item.pk).update(kind="nonsense")
    counts = _counting_dict_rows(monkeypatch)
    query = "{ meetings(first: 10) { edges { node { title agendaItems { number kind } } } } }"
    fast, slow = _both(api_schema.schema, query, {}, None)
    assert fast.data == slow.data
    assert _errors(fast) == _errors(slow)
    assert [path[-1] for _message, path in _errors(fast)] == ["kind"]
    assert counts["dicts"] > 1
    assert counts["instances"] == 1


def test_each_selection_is_planned_once_for_the_executions_of_a_document(
    world, monkeypatch
) -> None:
    from backend.api import execution

    # Nothing from the other tests' executions of the same document.
    for shared in ("_SUBFIELDS", "_SHARED_SELECTIONS", "_SHARED_CHILDREN"):
        monkeypatch.setattr(execution, shared, {})
    planned = []
    step = Executor._step

    def counted(self, type_name, field_details_list):
        planned.append((type_name, field_details_list[0].node.name.value))
        return step(self, type_name, field_details_list)

    monkeypatch.setattr(Executor, "_step", counted)
    for _ in range(3):
        result = api_schema.schema.execute_sync(
            PAGE, variable_values={"first": 10}, context_value=_context(world.users()["admin"])
        )
        assert result.errors is None
        items = sum(len(edge["node"]["agendaItems"]) for edge in result.data["meetings"]["edges"])
        assert items > 10
        # The page's meetings and their items share their selections' steps: a field that
        # appears in one selection of the document is planned once, however many objects it
        # is read on, and the executions of the document share what was planned.
        for field in [("AgendaItem", "number"), ("AgendaItem", "kind"), ("Meeting", "startsAt")]:
            assert planned.count(field) == 1, field
    # A selection that depends on more than the document (a directive's variable) is planned
    # again in every execution.
    skipped = PAGE.replace("query ($first: Int!)", "query ($first: Int!, $no: Boolean!)")
    skipped = skipped.replace("agendaItems {", "agendaItems @skip(if: $no) {")
    for _ in range(2):
        result = api_schema.schema.execute_sync(
            skipped,
            variable_values={"first": 10, "no": False},
            context_value=_context(world.users()["admin"]),
        )
        assert result.errors is None
    # The meeting's selection holds the directive: planned in each execution. The items' own
    # selection does not: planned once for the new document.
    assert planned.count(("Meeting", "startsAt")) == 3
    assert planned.count(("AgendaItem", "number")) == 2


class Boom(Exception):
    pass


@strawberry_django.type(Body, name="ProbeBody")
class ProbeBody(relay.Node):
    name: str = strawberry_django.field()
    description: str | None = strawberry_django.field()

    @strawberry_django.field(only=["slug"])
    def strict(self) -> str:
        if self.slug == "parks":
            raise Boom("no strict value for parks")
        return self.slug

    @strawberry_django.field(only=["slug"])
    def lenient(self) -> str | None:
        if self.slug == "parks":
            raise Boom("no lenient value for parks")
        return self.slug

    @strawberry_django.field(only=["slug"])
    def missing(self) -> str:
        return None  # type: ignore[return-value]

    @strawberry_django.field(only=["slug"])
    def length(self) -> str:
        # Not a str: String's coercion turns it into one.
        return len(self.slug)  # type: ignore[return-value]


@strawberry_django.type(Meeting, name="ProbeMeeting")
class ProbeMeeting(relay.Node):
    title: str = strawberry_django.field()
    body: ProbeBody = strawberry_django.field()
    status: MeetingStatus = strawberry_django.field()


@strawberry.enum
class ProbeColour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class ProbeLeaf:
    name: str
    note: str | None
    strict: str
    colour: ProbeColour
    # A str, or a number that String's coercion turns into one.
    label: str = "leaf"


@strawberry.type
class ProbeBox:
    label: str
    leaves: list[ProbeLeaf]
    maybe_leaves: list[ProbeLeaf | None]
    first: ProbeLeaf | None
    meeting: ProbeMeeting | None


def _leaf(name: str, strict: str | None = "ok", note: str | None = None) -> ProbeLeaf:
    return ProbeLeaf(name=name, note=note, strict=strict, colour=ProbeColour.RED)  # type: ignore[arg-type]


@strawberry.type
class ProbeQuery:
    bodies: list[ProbeBody] = strawberry_django.field()
    meetings: list[ProbeMeeting | None] = strawberry_django.field()

    @strawberry.field
    def boxes(self) -> list[ProbeBox | None]:
        meeting = Meeting.objects.select_related("body").filter(title="Parks board").first()
        return [
            ProbeBox(
                label="plain",
                leaves=[
                    _leaf("a"),
                    _leaf("b", note="b!"),
                    ProbeLeaf(
                        name="n",
                        note=None,
                        strict="ok",
                        colour=ProbeColour.BLUE,
                        label=7,  # type: ignore[arg-type]
                    ),
                ],
                maybe_leaves=[],
                first=_leaf("c"),
                meeting=meeting,
            ),
            # A null where the type forbids one: the error nulls the box.
            ProbeBox(
                label="strict",
                leaves=[_leaf("d", strict=None)],
                maybe_leaves=[],
                first=None,
                meeting=None,
            ),
            # Not a leaf at all: the standard path reports it.
            ProbeBox(
                label="wrong",
                leaves=[_leaf("e")],
                maybe_leaves=[_leaf("f"), "f"],  # type: ignore[list-item]
                first=None,
                meeting=None,
            ),
        ]


@pytest.fixture(scope="module")
def probe_schema() -> strawberry.Schema:
    schema = strawberry.Schema(
        query=ProbeQuery, extensions=build_extensions(), execution_context_class=Executor
    )
    settle(schema)
    return schema


@pytest.fixture
def parks_meeting(world) -> Meeting:
    return Meeting.objects.create(
        body=world.parks, title="Parks board", starts_at=at(2025, 5, 6), published_at=timezone.now()
    )


@pytest.mark.parametrize(
    "query",
    [
        "{ bodies { id name description lenient } }",
        "{ bodies { name strict } }",
        "{ bodies { name missing } }",
        "{ bodies { name length } }",
        "{ meetings { title status } }",
        "{ meetings { title body { name lenient } } }",
        "{ meetings { title body { name strict } } }",
    ],
)
def test_errors_and_nulls_match_the_standard_path(parks_meeting, probe_schema, query: str) -> None:
    fast, slow = _both(probe_schema, query, {}, None)
    assert fast.data == slow.data
    assert _errors(fast) == _errors(slow)


def test_a_stored_value_outside_its_enum_is_reported_as_the_standard_path_reports_it(
    parks_meeting, probe_schema
) -> None:
    Meeting.objects.filter(pk=parks_meeting.pk).update(status="nonsense")
    fast, slow = _both(probe_schema, "{ meetings { title status } }", {}, None)
    assert fast.data == slow.data
    assert _errors(fast) == _errors(slow)
    # The one meeting holding it is nulled with an error; the others are complete.
    assert [path[-1] for _message, path in _errors(fast)] == ["status"]
    assert None in fast.data["meetings"]


PLAIN = """{ boxes {
  label leaves { name note strict colour label } maybeLeaves { name } first { name colour }
  meeting { title body { name } }
} }"""


@pytest.mark.parametrize(
    "query",
    [
        PLAIN,
        "{ boxes { label first { name } } }",
        "{ boxes { label maybeLeaves { name strict } } }",
    ],
)
def test_plain_objects_match_the_standard_path(parks_meeting, probe_schema, query: str) -> None:
    fast, slow = _both(probe_schema, query, {}, None)
    assert fast.data == slow.data
    assert _errors(fast) == _errors(slow)


def test_plain_fields_are_read_without_their_resolvers(
    parks_meeting, probe_schema, monkeypatch
) -> None:
    calls = []
    for type_name in ("ProbeBox", "ProbeLeaf"):
        for field in probe_schema._schema.type_map[type_name].fields.values():
            resolve = field.resolve

            def counted(source, info, _resolve=resolve, **kwargs):
                calls.append(info.field_name)
                return _resolve(source, info, **kwargs)

            monkeypatch.setattr(field, "resolve", counted)
    result = probe_schema.execute_sync(PLAIN, context_value=_context(None))
    assert result.data["boxes"][0] == {
        "label": "plain",
        "leaves": [
            {"name": "a", "note": None, "strict": "ok", "colour": "RED", "label": "leaf"},
            {"name": "b", "note": "b!", "strict": "ok", "colour": "RED", "label": "leaf"},
            # A number where the field is a String: coerced, still without the resolver.
            {"name": "n", "note": None, "strict": "ok", "colour": "BLUE", "label": "7"},
        ],
        "maybeLeaves": [],
        "first": {"name": "c", "colour": "RED"},
        "meeting": {"title": "Parks board", "body": {"name": "Parks Board"}},
    }
    assert result.data["boxes"][1] is None
    # A string among nullable items: that item alone is null.
    assert result.data["boxes"][2]["maybeLeaves"] == [{"name": "f"}, None]
    # Only what the plain reading leaves to the standard path went through a resolver: the
    # forbidden null, and the string in a list of leaves.
    assert sorted(calls) == ["name", "strict"]


def test_the_probe_errors_are_real(parks_meeting, probe_schema) -> None:
    result = probe_schema.execute_sync(
        "{ meetings { title body { name strict } } }", context_value=_context(None)
    )
    # A non-null field failing nulls its nearest nullable parent: the meeting, not the list.
    assert result.errors
    assert {tuple(error.path[:1]) for error in result.errors} == {("meetings",)}
    assert None in result.data["meetings"]
    assert any(meeting is not None for meeting in result.data["meetings"])


SEARCH = """
query ($text: String!) {
  search(query: $text, first: 3) {
    totalCount
    edges {
      cursor
      node {
        kind objectId title snippet score date bodyName
        record { __typename ... on Meeting { title body { name } } }
      }
    }
    pageInfo { hasNextPage endCursor }
    facets { kinds { value label count } bodies { value label count } years { value count } }
    errors { code message }
  }
}
"""


@pytest.mark.parametrize("text", ["harbour", "x" * 600])
def test_a_search_page_is_identical_to_the_standard_path(settings, text: str) -> None:
    from tests.search.conftest import (
        body_create,
        changed,
        index_work_run,
        item_create,
        meeting_create,
    )

    settings.SEARCH = {"BACKEND": "database", "INDEX_PREFIX": "unused"}
    council = body_create("Town Council")
    meetings = [meeting_create(council, f"Harbour {number}") for number in range(4)]
    item_create(meetings[0], "Harbour dredging", "Dredging the harbour channel.")
    changed(council, *meetings)
    index_work_run()
    fast, slow = _both(api_schema.schema, SEARCH, {"text": text}, None)
    assert fast.errors is None
    assert fast.data == slow.data
    page = fast.data["search"]
    if text == "harbour":
        assert page["totalCount"] == 5
        assert len(page["edges"]) == 3
    else:
        assert page["errors"][0]["code"] == "QUERY_TOO_LONG"


@strawberry.type
class ProbePart:
    name: str = "part"

    @strawberry.field
    def edges(self) -> list[ProbePart]:
        return []

    @strawberry.field
    def page_info(self) -> ProbePart | None:
        return None

    @strawberry.field
    def inner(self) -> ProbePart | None:
        return None


@pytest.mark.parametrize(
    ("document", "requested"),
    [
        ("{ probe { name } }", False),
        ("{ probe { edges { name } } }", True),
        ("{ probe { pageInfo { name } } }", True),
        ("{ probe { inner { inner { edges { name } } } } }", True),
        ("{ probe { ... on ProbePart { edges { name } } } }", True),
        ("{ probe { ...F } } fragment F on ProbePart { inner { pageInfo { name } } }", True),
        ("{ probe { ...F } } fragment F on ProbePart { name inner { name } }", False),
        # strawberry counts a spread by its fragment's name, as a field by its own.
        ("{ probe { ...edges } } fragment edges on ProbePart { name }", True),
        ("{ probe { e: edges @skip(if: true) { name } } }", True),
        ("{ probe { edges: name } }", False),
    ],
)
def test_a_connection_knows_its_edges_are_wanted_as_strawberry_decides_it(
    document: str, requested: bool
) -> None:
    from strawberry.relay.utils import should_resolve_list_connection_edges

    from backend.api.execution import edges_requested

    answers = []

    @strawberry.type
    class EdgesQuery:
        @strawberry.field
        def probe(self, info: strawberry.Info) -> ProbePart:
            answers.append((edges_requested(info), should_resolve_list_connection_edges(info)))
            return ProbePart()

    result = strawberry.Schema(query=EdgesQuery).execute_sync(document)
    assert result.errors is None
    assert answers == [(requested, requested)]


def test_a_document_is_validated_once_and_its_errors_kept(db, monkeypatch) -> None:
    from strawberry.schema import schema as strawberry_schema

    from backend.api import execution

    validated = []
    validate = strawberry_schema.validate_document

    def counted(schema, document, rules):
        validated.append(document)
        return validate(schema, document, rules)

    monkeypatch.setattr(strawberry_schema, "validate_document", counted)
    monkeypatch.setattr(execution, "_VALIDATED", {})
    schema = api_schema.schema
    for _ in range(3):
        assert schema.execute_sync("{ bodies { totalCount } }").errors is None
        wrong = schema.execute_sync("{ bodies { nope } }")
        assert [error.message for error in wrong.errors] == [
            "Cannot query field 'nope' on type 'BodyConnection'."
        ]
    # Each text was parsed once (the parser cache) and its document validated once.
    assert len(validated) == 2
    assert validated[0] is not validated[1]
