"""Testing standing queries (saved searches) against one indexed entry, on each backend."""

from __future__ import annotations

import datetime

from backend.search.backends import search_backend
from backend.search.backends.base import SearchFilters, StandingQuery
from backend.search.backends.elasticsearch import matching_request
from backend.search.query import query_parse
from tests.search.conftest import (
    body_create,
    changed,
    document_create,
    index_work_run,
    item_create,
    meeting_create,
)


def standing(key: str, text: str, **filters) -> StandingQuery:
    return StandingQuery(key=key, query=query_parse(text), filters=SearchFilters(**filters))


def matching(kind: str, object_id: int, *queries: StandingQuery) -> set[str]:
    return search_backend().matching_queries(kind=kind, object_id=str(object_id), queries=queries)


def test_only_the_queries_that_match_the_one_entry_are_named(search_backend_name):
    meeting = meeting_create(body_create("Transportation Committee"), "Regular meeting")
    item = item_create(
        meeting, "Protected bike lanes", "Painted lanes on Elm Street, and a new crosswalk."
    )
    other = item_create(meeting, "Parking meters", "Rates on Oak Street.")
    changed(meeting)
    index_work_run()

    queries = [
        standing("word", "crosswalk"),
        standing("stem", "lane"),
        standing("all-words", "bike elm"),
        standing("phrase", '"elm street"'),
        standing("phrase-out-of-order", '"street elm"'),
        standing("prefix", "crossw*"),
        standing("either", "budget OR crosswalk"),
        standing("excluded", "bike -crosswalk"),
        standing("other-entry", "parking meters"),
        standing("nothing", "zoning"),
        standing("empty", "-bike"),
    ]
    assert matching("agenda_item", item.pk, *queries) == {
        "word",
        "stem",
        "all-words",
        "phrase",
        "prefix",
        "either",
    }
    assert matching("agenda_item", other.pk, *queries) == {"other-entry"}


def test_the_filters_of_each_query_apply(search_backend_name):
    council = body_create("Town Council")
    parks = body_create("Parks Board")
    meeting = meeting_create(council, "Regular meeting", day=datetime.date(2024, 5, 14))
    item = item_create(meeting, "Bike lanes")
    changed(meeting)
    index_work_run()

    assert matching(
        "agenda_item",
        item.pk,
        standing("any", "bike"),
        standing("items", "bike", kinds=("agenda_item", "document")),
        standing("documents", "bike", kinds=("document",)),
        standing("council", "bike", body_ids=(council.pk,)),
        standing("parks", "bike", body_ids=(parks.pk,)),
        standing("in-may", "bike", date_from=datetime.date(2024, 5, 1)),
        standing("before-may", "bike", date_to=datetime.date(2024, 4, 30)),
    ) == {"any", "items", "council", "in-may"}


def test_an_entry_the_public_may_not_see_matches_nothing(search_backend_name):
    body = body_create()
    draft = meeting_create(body, "Bike lanes draft", published=False)
    draft_item = item_create(draft, "Bike lanes on Elm Street")
    published = meeting_create(body, "Regular meeting")
    closed = item_create(published, "Bike lanes land purchase", is_closed_session=True)
    changed(draft, published)
    index_work_run()

    query = standing("bike", "bike lanes")
    assert matching("meeting", draft.pk, query) == set()
    assert matching("agenda_item", draft_item.pk, query) == set()
    assert matching("agenda_item", closed.pk, query) == set()
    assert matching("agenda_item", 999_999, query) == set()


def test_a_documents_extracted_text_is_matched(search_backend_name):
    meeting = meeting_create(body_create(), "Regular meeting")
    document = document_create(
        meeting, "Monthly schedule", "Held at 740 N. Sedgwick St, 4th Floor Boardroom."
    )
    changed(meeting)
    index_work_run()

    assert matching(
        "document", document.pk, standing("place", "sedgwick boardroom"), standing("x", "budget")
    ) == {"place"}


def test_many_queries_are_tested_in_batches(search_backend_name):
    meeting = meeting_create(body_create(), "Regular meeting")
    item = item_create(meeting, "Bike lanes on Elm Street")
    changed(meeting)
    index_work_run()

    queries = [standing(f"miss-{n}", f"word{n}") for n in range(450)]
    queries += [standing(f"hit-{n}", "bike" if n % 2 else '"elm street"') for n in range(5)]
    assert matching("agenda_item", item.pk, *queries) == {f"hit-{n}" for n in range(5)}


def test_the_elasticsearch_matching_request_names_each_query_and_targets_one_public_document():
    body = matching_request(
        index="town-search",
        key="agenda_item:12",
        queries=[
            standing("7", "bike lanes"),
            standing("9", '"elm street" -parking', kinds=("document",), body_ids=(3,)),
        ],
    ).to_dict()

    query = body["query"]["bool"]
    assert query["filter"] == [
        {"ids": {"values": ["agenda_item:12"]}},
        {"term": {"audience": "public"}},
    ]
    assert query["minimum_should_match"] == 1
    first, second = query["should"]
    assert first["bool"]["_name"] == "7"
    assert [
        clause["multi_match"]["query"] for clause in first["bool"]["must"][0]["bool"]["must"]
    ] == [
        "bike",
        "lanes",
    ]
    assert "filter" not in first["bool"]
    assert second["bool"]["_name"] == "9"
    text = second["bool"]["must"][0]["bool"]
    assert text["must"][0]["multi_match"] == {
        "query": "elm street",
        "type": "phrase",
        "fields": ["title^4", "title.fr^4", "content", "content.fr"],
    }
    assert text["must_not"][0]["multi_match"]["query"] == "parking"
    assert second["bool"]["filter"] == [
        {"terms": {"kind": ["document"]}},
        {"terms": {"body_id": [3]}},
    ]
    assert body["_source"] is False and body["size"] == 1
