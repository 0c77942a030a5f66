"""The search fields of the GraphQL API, on the database backend."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import graphql
from tests.search.conftest import (
    body_create,
    changed,
    index_work_run,
    item_create,
    meeting_create,
)

SEARCH = """
query Search($query: String!, $filter: SearchFilter, $first: Int, $after: String) {
  search(query: $query, filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { kind objectId title snippet score date bodyName } }
    pageInfo { hasNextPage endCursor }
    facets { kinds { value label count } bodies { value label count } years { value count } }
    errors { field code message }
  }
}
"""
SUGGEST = """
query Suggest($prefix: String!) {
  searchSuggest(prefix: $prefix) { suggestions errors { field code } }
}
"""


@pytest.fixture
def indexed(db):
    council = body_create("Town Council")
    meeting = meeting_create(council, "Tree canopy strategy")
    item_create(meeting, "Tree planting", "Five hundred <b>trees</b> along Main Street.")
    item_create(meeting, "Tree bylaw", "Protecting mature trees.")
    changed(meeting, council)
    index_work_run()
    return council


def test_search_pages_through_hits_with_facets(indexed):
    client = Client()
    first = graphql(client, SEARCH, {"query": "tree", "first": 2})["data"]["search"]

    assert first["errors"] == []
    assert first["totalCount"] == 3
    assert len(first["edges"]) == 2
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["facets"]["kinds"] == [
        {"value": "agenda_item", "label": "agenda_item", "count": 2},
        {"value": "meeting", "label": "meeting", "count": 1},
    ]
    assert first["facets"]["bodies"] == [
        {"value": str(indexed.pk), "label": "Town Council", "count": 3}
    ]
    assert first["facets"]["years"] == [{"value": "2024", "count": 3}]

    after = first["pageInfo"]["endCursor"]
    rest = graphql(client, SEARCH, {"query": "tree", "first": 2, "after": after})["data"]["search"]
    assert len(rest["edges"]) == 1
    assert rest["pageInfo"]["hasNextPage"] is False
    titles = [edge["node"]["title"] for edge in first["edges"] + rest["edges"]]
    assert sorted(titles) == ["Tree bylaw", "Tree canopy strategy", "Tree planting"]


def test_search_filters_by_kind_and_body(indexed):
    client = Client()
    data = graphql(
        client,
        SEARCH,
        {"query": "tree", "filter": {"kinds": ["meeting"], "bodies": [str(indexed.pk)]}},
    )["data"]["search"]
    assert [edge["node"]["kind"] for edge in data["edges"]] == ["meeting"]

    nothing = graphql(client, SEARCH, {"query": "tree", "filter": {"bodies": ["not-a-body"]}})
    assert nothing["data"]["search"]["totalCount"] == 0


@pytest.mark.parametrize(
    "text",
    ["cheese AND (", '"', "🧀 emoji", "1; DELETE FROM search_searchentry", "x" * 500, "   "],
)
def test_any_acceptable_input_returns_data_without_errors(indexed, text):
    client = Client()
    result = graphql(client, SEARCH, {"query": text})
    assert "errors" not in result
    assert result["data"]["search"]["errors"] == []
    suggest = graphql(client, SUGGEST, {"prefix": text})
    assert "errors" not in suggest
    assert suggest["data"]["searchSuggest"]["errors"] == []


def test_an_over_long_query_is_refused_as_data_with_a_code(indexed):
    client = Client()
    result = graphql(client, SEARCH, {"query": "tree " * 2000})

    assert "errors" not in result
    data = result["data"]["search"]
    assert data["errors"] == [
        {"field": "query", "code": "QUERY_TOO_LONG", "message": data["errors"][0]["message"]}
    ]
    assert data["edges"] == [] and data["totalCount"] == 0
    suggest = graphql(client, SUGGEST, {"prefix": "x" * 501})["data"]["searchSuggest"]
    assert suggest == {"suggestions": [], "errors": [{"field": "prefix", "code": "QUERY_TOO_LONG"}]}


def test_an_unreadable_cursor_is_refused_as_data(indexed):
    result = graphql(Client(), SEARCH, {"query": "tree", "after": "bm90IG91cnM="})
    assert result["data"]["search"]["errors"][0]["code"] == "INVALID_CURSOR"


def test_snippets_are_escaped_html_with_marks(indexed):
    data = graphql(Client(), SEARCH, {"query": "main street"})["data"]["search"]
    snippet = data["edges"][0]["node"]["snippet"]
    assert "<mark>Main</mark>" in snippet and "<mark>Street</mark>" in snippet
    assert "<b>" not in snippet


def test_suggest_returns_titles_for_the_public(indexed):
    data = graphql(Client(), SUGGEST, {"prefix": "tree pl"})["data"]["searchSuggest"]
    assert data == {"suggestions": ["Tree planting"], "errors": []}
