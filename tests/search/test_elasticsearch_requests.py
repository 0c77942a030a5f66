"""The Elasticsearch index definition and request bodies, checked without a cluster."""

from __future__ import annotations

import datetime

from backend.search.backends.base import SearchFilters
from backend.search.backends.elasticsearch import index_definition, search_request, suggest_request
from backend.search.query import query_parse
from backend.search.registry import ViewerAudience


def test_the_index_analyses_text_in_english_and_french_folding_accents():
    definition = index_definition("town-search-1").to_dict()
    analysis = definition["settings"]["analysis"]
    properties = definition["mappings"]["properties"]

    assert analysis["analyzer"]["town_english"]["filter"] == [
        "town_english_possessive",
        "lowercase",
        "asciifolding",
        "town_english_stop",
        "town_english_stemmer",
    ]
    assert "asciifolding" in analysis["analyzer"]["town_french"]["filter"]
    assert analysis["filter"]["town_french_stemmer"] == {
        "type": "stemmer",
        "language": "light_french",
    }
    assert properties["title"]["analyzer"] == "town_english"
    assert properties["title"]["fields"]["fr"] == {"type": "text", "analyzer": "town_french"}
    assert properties["title"]["fields"]["suggest"]["type"] == "search_as_you_type"
    assert properties["content"]["fields"]["fr"]["analyzer"] == "town_french"
    for keyword in ("key", "kind", "object_id", "audience", "audience_key", "parent"):
        assert properties[keyword] == {"type": "keyword"}
    assert properties["date"] == {"type": "date"}
    assert properties["version"] == {"type": "long"}


def test_a_search_request_matches_fuzzily_filters_facets_and_highlights():
    body = search_request(
        index="town-search",
        query=query_parse('budget "parking bylaw" infra* -draft'),
        filters=SearchFilters(
            kinds=("meeting",),
            body_ids=(3,),
            date_from=datetime.date(2024, 1, 1),
            date_to=datetime.date(2024, 12, 31),
        ),
        audience=ViewerAudience(),
        offset=20,
        limit=10,
    ).to_dict()

    text = body["query"]["bool"]["must"][0]["bool"]
    fields = ["title^4", "title.fr^4", "content", "content.fr"]
    assert text["must"] == [
        {
            "multi_match": {
                "query": "budget",
                "type": "most_fields",
                "fields": fields,
                "fuzziness": "AUTO",
                "prefix_length": 1,
            }
        },
        {"multi_match": {"query": "parking bylaw", "type": "phrase", "fields": fields}},
        {"multi_match": {"query": "infra", "type": "phrase_prefix", "fields": fields}},
    ]
    assert text["must_not"][0]["multi_match"]["query"] == "draft"
    assert body["query"]["bool"]["filter"] == [
        {"term": {"audience": "public"}},
        {"terms": {"kind": ["meeting"]}},
        {"terms": {"body_id": [3]}},
        {"range": {"date": {"gte": "2024-01-01", "lte": "2024-12-31"}}},
    ]
    assert body["from"] == 20 and body["size"] == 10
    assert body["track_total_hits"] is True
    assert body["sort"] == [{"_score": "desc"}, {"key": "asc"}]
    assert body["highlight"]["pre_tags"] == ["\x02"]
    assert body["highlight"]["post_tags"] == ["\x03"]
    assert set(body["highlight"]["fields"]) == {"content", "content.fr", "title"}
    assert body["aggs"]["kinds"] == {"terms": {"field": "kind", "size": 20}}
    assert body["aggs"]["bodies"]["aggs"]["names"] == {"terms": {"field": "body_name", "size": 1}}
    assert body["aggs"]["years"] == {"terms": {"field": "year", "size": 100}}


def test_a_clerk_request_admits_the_restricted_entries_of_their_bodies():
    body = search_request(
        index="town-search",
        query=query_parse("skatepark"),
        filters=SearchFilters(),
        audience=ViewerAudience(
            keys=frozenset({"records.body:4"}), namespaces=frozenset({"services.team:"})
        ),
        offset=0,
        limit=20,
    ).to_dict()

    assert body["query"]["bool"]["filter"][0] == {
        "bool": {
            "should": [
                {"term": {"audience": "public"}},
                {
                    "bool": {
                        "filter": [{"term": {"audience": "restricted"}}],
                        "should": [
                            {"terms": {"audience_key": ["records.body:4"]}},
                            {"prefix": {"audience_key": "services.team:"}},
                        ],
                        "minimum_should_match": 1,
                    }
                },
            ],
            "minimum_should_match": 1,
        }
    }


def test_alternatives_become_a_should_clause():
    body = search_request(
        index="town-search",
        query=query_parse("arena OR rink"),
        filters=SearchFilters(),
        audience=ViewerAudience(),
        offset=0,
        limit=5,
    ).to_dict()

    group = body["query"]["bool"]["must"][0]["bool"]["must"][0]["bool"]
    assert [clause["multi_match"]["query"] for clause in group["should"]] == ["arena", "rink"]
    assert group["minimum_should_match"] == 1


def test_a_suggest_request_prefixes_the_title_words_for_the_public():
    body = suggest_request(
        index="town-search",
        query=query_parse("transit fa*"),
        audience=ViewerAudience(),
        limit=10,
    ).to_dict()

    match = body["query"]["bool"]["must"][0]["multi_match"]
    assert match["type"] == "bool_prefix"
    assert match["query"] == "transit fa"
    assert match["fields"] == ["title.suggest", "title.suggest._2gram", "title.suggest._3gram"]
    assert body["query"]["bool"]["filter"] == [{"term": {"audience": "public"}}]
    assert body["size"] == 30
