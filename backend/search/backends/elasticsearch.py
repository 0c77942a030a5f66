"""Search in Elasticsearch 8, through the official client's DSL.

Writes go to an alias over a versioned index (``<prefix>-<timestamp>``); a rebuild fills a new
index and swaps the alias in one atomic step. Every document carries its version with
``external_gte`` versioning, so Elasticsearch itself refuses an update older than what it holds.
Text is analysed twice, in English and in French, both folding accents.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from elasticsearch import ConflictError, Elasticsearch, NotFoundError, helpers
from elasticsearch.dsl import (
    Date,
    Document,
    Index,
    Integer,
    Keyword,
    Long,
    Q,
    Search,
    SearchAsYouType,
    Text,
    analyzer,
    token_filter,
)

from backend.search.backends.base import (
    MARK_END,
    MARK_START,
    Hit,
    SearchFilters,
    SearchPage,
    StandingQuery,
    StoredVersion,
    facet_sort,
    highlight_html,
)
from backend.search.query import ParsedQuery, Term
from backend.search.registry import Audience, IndexEntry, ViewerAudience

BATCH = 500
TITLE_BOOST = 4
# Standing queries tested against one document per request, each as a named clause.
MATCH_BATCH = 200

english_stemmer = token_filter("town_english_stemmer", type="stemmer", language="english")
english_possessive = token_filter(
    "town_english_possessive", type="stemmer", language="possessive_english"
)
english_stop = token_filter("town_english_stop", type="stop", stopwords="_english_")
french_elision = token_filter(
    "town_french_elision",
    type="elision",
    articles_case=True,
    articles=["l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu"],
)
french_stemmer = token_filter("town_french_stemmer", type="stemmer", language="light_french")
french_stop = token_filter("town_french_stop", type="stop", stopwords="_french_")

town_english = analyzer(
    "town_english",
    tokenizer="standard",
    filter=[english_possessive, "lowercase", "asciifolding", english_stop, english_stemmer],
)
town_french = analyzer(
    "town_french",
    tokenizer="standard",
    filter=[french_elision, "lowercase", "asciifolding", french_stop, french_stemmer],
)
town_folding = analyzer("town_folding", tokenizer="standard", filter=["lowercase", "asciifolding"])


def _text() -> Text:
    return Text(analyzer=town_english, fields={"fr": Text(analyzer=town_french)})


class SearchEntryDocument(Document):
    key = Keyword()
    kind = Keyword()
    object_id = Keyword()
    title = Text(
        analyzer=town_english,
        fields={
            "fr": Text(analyzer=town_french),
            "suggest": SearchAsYouType(analyzer=town_folding),
            "raw": Keyword(ignore_above=256),
        },
    )
    content = _text()
    audience = Keyword()
    audience_key = Keyword()
    body_id = Long()
    body_name = Keyword()
    date = Date()
    status = Keyword()
    parent = Keyword()
    version = Long()
    year = Integer()


def index_definition(name: str) -> Index:
    index = Index(name)
    index.settings(number_of_shards=1, number_of_replicas=0)
    index.document(SearchEntryDocument)
    return index


def _source(entry: IndexEntry) -> dict[str, Any]:
    entry = entry.cleaned()
    return {
        "key": entry.key,
        "kind": entry.kind,
        "object_id": entry.object_id,
        "title": entry.title,
        "content": entry.content,
        "audience": entry.audience,
        "audience_key": entry.audience_key,
        "body_id": entry.body_id,
        "body_name": entry.body_name,
        "date": entry.date.isoformat() if entry.date else None,
        "year": entry.date.year if entry.date else None,
        "status": entry.status,
        "parent": entry.parent,
        "version": entry.version,
    }


def _term_query(term: Term) -> Q:
    fields = [f"title^{TITLE_BOOST}", f"title.fr^{TITLE_BOOST}", "content", "content.fr"]
    if term.prefix:
        return Q("multi_match", query=term.text, type="phrase_prefix", fields=fields)
    if term.is_phrase:
        return Q("multi_match", query=term.text, type="phrase", fields=fields)
    return Q(
        "multi_match",
        query=term.text,
        type="most_fields",
        fields=fields,
        fuzziness="AUTO",
        prefix_length=1,
    )


def text_query(query: ParsedQuery) -> Q:
    must = [
        Q("bool", should=[_term_query(term) for term in group], minimum_should_match=1)
        if len(group) > 1
        else _term_query(group[0])
        for group in query.groups
    ]
    return Q("bool", must=must, must_not=[_term_query(term) for term in query.excluded])


def visibility_filter(audience: ViewerAudience) -> Q:
    public = Q("term", audience=Audience.PUBLIC)
    if audience.public_only:
        return public
    held = [Q("terms", audience_key=sorted(audience.keys))] if audience.keys else []
    held += [Q("prefix", audience_key=namespace) for namespace in sorted(audience.namespaces)]
    restricted = Q(
        "bool",
        filter=[Q("term", audience=Audience.RESTRICTED)],
        should=held,
        minimum_should_match=1,
    )
    return Q("bool", should=[public, restricted], minimum_should_match=1)


def filter_queries(filters: SearchFilters) -> list[Q]:
    queries = []
    if filters.kinds:
        queries.append(Q("terms", kind=list(filters.kinds)))
    if filters.body_ids:
        queries.append(Q("terms", body_id=list(filters.body_ids)))
    if filters.date_from or filters.date_to:
        bounds = {}
        if filters.date_from:
            bounds["gte"] = filters.date_from.isoformat()
        if filters.date_to:
            bounds["lte"] = filters.date_to.isoformat()
        queries.append(Q("range", date=bounds))
    return queries


def search_request(
    *,
    index: str,
    query: ParsedQuery,
    filters: SearchFilters,
    audience: ViewerAudience,
    offset: int,
    limit: int,
) -> Search:
    search = (
        Search(index=index)
        .query(
            Q(
                "bool",
                must=[text_query(query)],
                filter=[visibility_filter(audience), *filter_queries(filters)],
            )
        )
        .sort({"_score": "desc"}, {"key": "asc"})
        .source(["kind", "object_id", "title", "date", "body_id", "body_name"])
        .highlight_options(
            pre_tags=[MARK_START],
            post_tags=[MARK_END],
            number_of_fragments=2,
            fragment_size=160,
            no_match_size=160,
        )
        .highlight("content", "content.fr", "title")
        .extra(track_total_hits=True)
    )
    search.aggs.bucket("kinds", "terms", field="kind", size=20)
    search.aggs.bucket("bodies", "terms", field="body_id", size=50).bucket(
        "names", "terms", field="body_name", size=1
    )
    search.aggs.bucket("years", "terms", field="year", size=100)
    return search[offset : offset + limit]


def suggest_request(
    *, index: str, query: ParsedQuery, audience: ViewerAudience, limit: int
) -> Search:
    text = " ".join(term.text for term in query.terms())
    return (
        Search(index=index)
        .query(
            Q(
                "bool",
                must=[
                    Q(
                        "multi_match",
                        query=text,
                        type="bool_prefix",
                        operator="and",
                        fields=[
                            "title.suggest",
                            "title.suggest._2gram",
                            "title.suggest._3gram",
                        ],
                    )
                ],
                filter=[visibility_filter(audience)],
            )
        )
        .source(["title"])
        .sort({"_score": "desc"}, {"title.raw": "asc"})[: limit * 3]
    )


def matching_request(*, index: str, key: str, queries: Sequence[StandingQuery]) -> Search:
    """Test standing queries against one public document; its hit names the ones that match."""
    named = [
        Q(
            "bool",
            must=[text_query(standing.query)],
            filter=filter_queries(standing.filters),
            _name=standing.key,
        )
        for standing in queries
    ]
    return (
        Search(index=index)
        .query(
            Q(
                "bool",
                filter=[Q("ids", values=[key]), Q("term", audience=Audience.PUBLIC)],
                should=named,
                minimum_should_match=1,
            )
        )
        .source(False)
        .extra(size=1)
    )


class ElasticsearchBackend:
    name = "elasticsearch"

    def __init__(self, *, url: str, index_prefix: str) -> None:
        self.client = Elasticsearch(url, request_timeout=30)
        self.alias = index_prefix

    # -- index management -------------------------------------------------------------------

    def _new_index_name(self) -> str:
        return f"{self.alias}-{datetime.datetime.now(tz=datetime.UTC):%Y%m%d%H%M%S%f}"

    def index_create_if_missing(self) -> None:
        if self.client.indices.exists_alias(name=self.alias):
            return
        name = self._new_index_name()
        index_definition(name).create(using=self.client)
        self.client.indices.put_alias(index=name, name=self.alias)

    def indexes_delete(self) -> None:
        self.client.indices.delete(index=f"{self.alias}-*", ignore_unavailable=True)

    def refresh(self) -> None:
        self.client.indices.refresh(index=self.alias)

    # -- writing ----------------------------------------------------------------------------

    def _actions(self, entries: Iterable[IndexEntry], index: str) -> Iterator[dict[str, Any]]:
        for entry in entries:
            yield {
                "_index": index,
                "_id": entry.key,
                "_version": entry.version,
                "_version_type": "external_gte",
                "_source": _source(entry),
            }

    def entries_apply(self, *, entries: Iterable[IndexEntry]) -> int:
        self.index_create_if_missing()
        written = 0
        for entry in entries:
            try:
                self.client.index(
                    index=self.alias,
                    id=entry.key,
                    document=_source(entry),
                    version=entry.version,
                    version_type="external_gte",
                )
                written += 1
            except ConflictError:
                # The index holds a newer version: this update is stale.
                continue
        return written

    def rebuild(
        self,
        *,
        kinds: list[str],
        entries: Iterable[IndexEntry],
        progress: Callable[[int], None],
    ) -> int:
        self.index_create_if_missing()
        current = list(self.client.indices.get_alias(name=self.alias))
        name = self._new_index_name()
        index_definition(name).create(using=self.client)
        # Kinds not rebuilt are carried over as they are.
        kept = [kind for kind in self._kinds() if kind not in kinds]
        if kept:
            self.client.reindex(
                source={"index": self.alias, "query": {"terms": {"kind": kept}}},
                dest={"index": name, "version_type": "external_gte"},
                refresh=True,
            )
        written = 0
        for ok, _ in helpers.streaming_bulk(
            self.client, self._actions(entries, name), chunk_size=BATCH, raise_on_error=False
        ):
            written += int(ok)
            if written % BATCH == 0:
                progress(written)
        progress(written)
        self.client.indices.refresh(index=name)
        self.client.indices.update_aliases(
            actions=[{"remove": {"index": index, "alias": self.alias}} for index in current]
            + [{"add": {"index": name, "alias": self.alias}}]
        )
        for index in current:
            self.client.indices.delete(index=index, ignore_unavailable=True)
        return written

    # -- reading ----------------------------------------------------------------------------

    def _kinds(self) -> list[str]:
        search = Search(using=self.client, index=self.alias).extra(size=0)
        search.aggs.bucket("kinds", "terms", field="kind", size=100)
        return [bucket.key for bucket in search.execute().aggregations.kinds.buckets]

    def versions(self, *, kind: str) -> dict[str, StoredVersion]:
        search = (
            Search(using=self.client, index=self.alias)
            .filter("term", kind=kind)
            .source(["object_id", "version", "audience"])
        )
        try:
            return {
                hit.object_id: StoredVersion(version=hit.version, audience=hit.audience)
                for hit in search.scan()
            }
        except NotFoundError:
            return {}

    def entry_keys_with_parent(self, *, parent: str) -> list[tuple[str, str]]:
        search = (
            Search(using=self.client, index=self.alias)
            .filter("term", parent=parent)
            .source(["kind", "object_id"])
        )
        try:
            return [(hit.kind, hit.object_id) for hit in search.scan()]
        except NotFoundError:
            return []

    def matching_queries(
        self, *, kind: str, object_id: str, queries: Sequence[StandingQuery]
    ) -> set[str]:
        candidates = [standing for standing in queries if not standing.query.is_empty]
        if not candidates:
            return set()
        # Searches see what the last refresh made visible; the entry was written just before.
        self.refresh()
        matched: set[str] = set()
        for start in range(0, len(candidates), MATCH_BATCH):
            request = matching_request(
                index=self.alias,
                key=f"{kind}:{object_id}",
                queries=candidates[start : start + MATCH_BATCH],
            ).using(self.client)
            try:
                response = request.execute()
            except NotFoundError:
                return set()
            for hit in response:
                matched.update(getattr(hit.meta, "matched_queries", None) or [])
        return matched

    def search(
        self,
        *,
        query: ParsedQuery,
        filters: SearchFilters,
        audience: ViewerAudience,
        offset: int,
        limit: int,
    ) -> SearchPage:
        if query.is_empty:
            return SearchPage(hits=[], total=0)
        request = search_request(
            index=self.alias,
            query=query,
            filters=filters,
            audience=audience,
            offset=offset,
            limit=limit,
        ).using(self.client)
        response = request.execute()
        hits = []
        for hit in response:
            highlight = getattr(hit.meta, "highlight", None)
            fragments: list[str] = []
            if highlight is not None:
                for field in ("content", "content.fr", "title"):
                    fragments = list(
                        getattr(highlight, field, []) or highlight.to_dict().get(field, [])
                    )
                    if fragments and any(MARK_START in fragment for fragment in fragments):
                        break
            hits.append(
                Hit(
                    kind=hit.kind,
                    object_id=hit.object_id,
                    title=hit.title,
                    snippet=highlight_html(" … ".join(fragments)),
                    score=float(hit.meta.score or 0.0),
                    date=datetime.date.fromisoformat(hit.date[:10]) if hit.date else None,
                    body_id=hit.body_id,
                    body_name=hit.body_name or "",
                )
            )
        aggregations = response.aggregations
        by_kind = {(b.key, b.key): b.doc_count for b in aggregations.kinds.buckets}
        by_body = {
            (str(b.key), b.names.buckets[0].key if b.names.buckets else ""): b.doc_count
            for b in aggregations.bodies.buckets
        }
        by_year = {(str(b.key), str(b.key)): b.doc_count for b in aggregations.years.buckets}
        return SearchPage(
            hits=hits,
            total=response.hits.total.value,
            by_kind=facet_sort(by_kind),
            by_body=facet_sort(by_body),
            by_year=facet_sort(by_year, by_value=True),
        )

    def suggest(self, *, query: ParsedQuery, audience: ViewerAudience, limit: int) -> list[str]:
        if query.is_empty:
            return []
        request = suggest_request(index=self.alias, query=query, audience=audience, limit=limit)
        titles = [hit.title for hit in request.using(self.client).execute()]
        return list(dict.fromkeys(titles))[:limit]
