"""Full-text search in the application database: SQLite FTS5, or PostgreSQL full text.

Both keep their text in ``search_searchentry`` and return the same shapes. SQLite ranks with
bm25 (titles weigh ten times the body), stems with the porter tokenizer over unicode61 with
diacritics removed, and answers prefixes from its prefix indexes. PostgreSQL ranks a weighted
``search_vector`` (title A, body D) built with the ``town_search`` configuration (English
stemming over unaccent) or, where unaccent is missing, with ``english`` over text whose
accents Python has folded; it ranks with ``rank_vector``, the title and the opening of the text
only, which stays in the row where the full vector of a long document would have to be read
from TOAST and decompressed for every match. Snippets are computed only for the page returned.

A search reads every entry its words match (to rank them, count them by facet), so what it
reads per entry is kept small: SQLite takes audience and facets from a narrow index, and
PostgreSQL finds public entries in a GIN index of their own (see migration 0002).
"""

# Statements are assembled from fixed fragments; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import islice
from typing import Any

from django.db import connection, connections, transaction

from backend.search.backends.base import (
    MARK_END,
    MARK_START,
    FacetCount,
    Hit,
    SearchFilters,
    SearchPage,
    StandingQuery,
    StoredVersion,
    facet_sort,
    filters_admit,
    highlight_html,
)
from backend.search.query import ParsedQuery, Term
from backend.search.registry import (
    DELETED_VERSION,
    Audience,
    IndexEntry,
    ViewerAudience,
    fold_accents,
    tombstone,
)

TABLE = "search_searchentry"
BATCH = 500
# Standing queries tested against one entry per statement.
MATCH_BATCH = 200
# The opening of the text that ranks an entry on PostgreSQL, with its title.
RANK_CONTENT_CHARS = 1000
# Headlines are taken from this much text around the first word found, not the whole text.
HEADLINE_WINDOW_CHARS = 4000
# On SQLite, a search whose words match more than this share of the index counts its facets by
# walking the index in facet order rather than looking each match up (about five times dearer
# per match than one step of the walk).
FACET_INDEX_WALK_SHARE = 0.2
# Planner settings for the statements of a search on PostgreSQL. Matching entries are found in
# the GIN index, never by testing ``@@`` row by row in a sequential scan: that decompresses the
# vector of every long document, a cost the planner does not see.
POSTGRESQL_SEARCH_SETTINGS = {"enable_seqscan": "off"}
SNIPPET_TOKENS = 24

_COLUMNS = (
    "kind",
    "object_id",
    "title",
    "content",
    "audience",
    "audience_key",
    "body_id",
    "body_name",
    "date",
    "status",
    "parent",
    "version",
    "indexed_at",
)
_UPDATED = [column for column in _COLUMNS if column not in {"kind", "object_id"}]


# Statements a search runs beside its ranked page, each on a connection of its own. The
# database drivers leave the interpreter while a statement runs, so the two run at once.
_beside_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="search")


def _beside(work: Callable[[Any], Any]) -> Callable[[], Any]:
    """Starts ``work(cursor)`` on another connection to the same database; returns the function
    that waits for its result.

    Inside a transaction the other connection would not see what the transaction wrote, and a
    private in-memory database cannot be opened twice: there the work runs on this connection,
    when its result is asked for."""
    alias = connection.alias
    name = str(connection.settings_dict["NAME"])
    if connection.in_atomic_block or (
        connection.vendor == "sqlite"
        and connection.is_in_memory_db()
        and "cache=shared" not in name
    ):

        def in_place() -> Any:
            with connection.cursor() as cursor:
                return work(cursor)

        return in_place

    def elsewhere() -> Any:
        try:
            with connections[alias].cursor() as cursor:
                return work(cursor)
        finally:
            connections[alias].close()

    return _beside_threads.submit(elsewhere).result


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class _Sql:
    """A WHERE clause under construction, with its parameters."""

    def __init__(self) -> None:
        self.conditions: list[str] = []
        self.params: list[Any] = []

    def add(self, condition: str, *params: Any) -> None:
        self.conditions.append(condition)
        self.params.extend(params)

    @property
    def where(self) -> str:
        return " AND ".join(self.conditions) or "1 = 1"


def _placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


class DatabaseBackend:
    name = "database"

    # -- vendor specifics -------------------------------------------------------------------

    @property
    def vendor(self) -> str:
        return connection.vendor

    _configurations: dict[str, tuple[str, bool]] = {}

    def postgresql_configuration(self) -> tuple[str, bool]:
        """The text search configuration, and whether accents must be folded in Python."""
        database = connection.settings_dict["NAME"]
        if database not in self._configurations:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'town_search')"
                )
                unaccent = bool(cursor.fetchone()[0])
            self._configurations[database] = (
                ("town_search", False)
                if unaccent
                else (
                    "english",
                    True,
                )
            )
        return self._configurations[database]

    def _fold(self, text: str) -> str:
        if self.vendor == "postgresql" and self.postgresql_configuration()[1]:
            return fold_accents(text)
        return text

    # -- writing ----------------------------------------------------------------------------

    def _upsert_sql(self) -> str:
        columns = ", ".join(_COLUMNS)
        updates = ", ".join(f"{column} = excluded.{column}" for column in _UPDATED)
        values = _placeholders(len(_COLUMNS))
        if self.vendor == "postgresql":
            columns += ", search_vector, rank_vector"
            weighted = (
                "setweight(to_tsvector(%s::regconfig, %s), 'A')"
                " || setweight(to_tsvector(%s::regconfig, %s), 'D')"
            )
            values += f", {weighted}, {weighted}"
            updates += (
                ", search_vector = excluded.search_vector, rank_vector = excluded.rank_vector"
            )
        return (
            f"INSERT INTO {TABLE} ({columns}) VALUES ({values}) "
            f"ON CONFLICT (kind, object_id) DO UPDATE SET {updates} "
            f"WHERE {TABLE}.version <= excluded.version"
        )

    def _row(self, entry: IndexEntry, now: datetime.datetime) -> list[Any]:
        entry = entry.cleaned()
        row: list[Any] = [
            entry.kind,
            entry.object_id,
            entry.title,
            entry.content,
            entry.audience,
            entry.audience_key,
            entry.body_id,
            entry.body_name[:200],
            entry.date.isoformat() if entry.date else None,
            entry.status[:40],
            entry.parent[:120],
            entry.version,
            now,
        ]
        if self.vendor == "postgresql":
            configuration = self.postgresql_configuration()[0]
            title = self._fold(entry.title)
            row += [
                configuration,
                title,
                configuration,
                self._fold(entry.content),
                configuration,
                title,
                configuration,
                self._fold(entry.content[:RANK_CONTENT_CHARS]),
            ]
        return row

    def entries_apply(self, *, entries: Iterable[IndexEntry]) -> int:
        sql = self._upsert_sql()
        now = datetime.datetime.now(tz=datetime.UTC)
        written = 0
        with transaction.atomic(), connection.cursor() as cursor:
            for batch in _batches(entries, BATCH):
                if len(batch) == 1:
                    cursor.execute(sql, self._row(batch[0], now))
                    written += max(cursor.rowcount, 0)
                else:
                    cursor.executemany(sql, [self._row(entry, now) for entry in batch])
                    written += len(batch)
        return written

    def rebuild(
        self,
        *,
        kinds: list[str],
        entries: Iterable[IndexEntry],
        progress: Callable[[int], None],
    ) -> int:
        seen: set[tuple[str, str]] = set()
        written = 0
        for batch in _batches(entries, BATCH):
            # Versions are still compared: a rebuild never undoes a newer concurrent update.
            self.entries_apply(entries=batch)
            seen.update((entry.kind, entry.object_id) for entry in batch)
            written += len(batch)
            progress(written)
        for kind in kinds:
            gone = [
                tombstone(kind=kind, object_id=object_id, version=DELETED_VERSION)
                for object_id, stored in self.versions(kind=kind).items()
                if (kind, object_id) not in seen and stored.version < DELETED_VERSION
            ]
            self.entries_apply(entries=gone)
        return written

    # -- reading ----------------------------------------------------------------------------

    def versions(self, *, kind: str) -> dict[str, StoredVersion]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT object_id, version, audience FROM {TABLE} WHERE kind = %s",
                [kind],
            )
            return {
                object_id: StoredVersion(version=version, audience=audience)
                for object_id, version, audience in cursor.fetchall()
            }

    def entry_keys_with_parent(self, *, parent: str) -> list[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT kind, object_id FROM {TABLE} WHERE parent = %s",
                [parent],
            )
            return [(kind, object_id) for kind, object_id in cursor.fetchall()]

    # -- standing queries -------------------------------------------------------------------

    def matching_queries(
        self, *, kind: str, object_id: str, queries: Sequence[StandingQuery]
    ) -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, body_id, date FROM {TABLE} "
                "WHERE kind = %s AND object_id = %s AND audience = %s",
                [kind, str(object_id), Audience.PUBLIC],
            )
            row = cursor.fetchone()
        if row is None:
            return set()
        entry_id, body_id, date = row
        date = _as_date(date)
        candidates = [
            standing
            for standing in queries
            if not standing.query.is_empty
            and filters_admit(standing.filters, kind=kind, body_id=body_id, date=date)
        ]
        matched: set[str] = set()
        for batch in _batches(candidates, MATCH_BATCH):
            if self.vendor == "postgresql":
                matched |= self._postgresql_matching(entry_id, batch)
            else:
                matched |= self._sqlite_matching(entry_id, batch)
        return matched

    def _sqlite_matching(self, entry_id: int, batch: list[StandingQuery]) -> set[str]:
        # Each query is run against the one row: FTS5 seeks its rowid in the terms' doclists.
        rows = " UNION ALL ".join(["SELECT %s AS k, %s AS m"] * len(batch))
        params: list[Any] = []
        for standing in batch:
            params += [standing.key, _fts_match(standing.query)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT q.k FROM ({rows}) AS q WHERE EXISTS (SELECT 1 FROM search_entry_fts "
                "WHERE search_entry_fts MATCH q.m AND search_entry_fts.rowid = %s)",
                [*params, entry_id],
            )
            return {key for (key,) in cursor.fetchall()}

    def _postgresql_matching(self, entry_id: int, batch: list[StandingQuery]) -> set[str]:
        rows: list[str] = []
        params: list[Any] = []
        for standing in batch:
            tsquery, tsquery_params = self._tsquery(standing.query)
            rows.append(f"(%s, {tsquery})")
            params += [standing.key, *tsquery_params]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT q.k FROM {TABLE} e, (VALUES {', '.join(rows)}) AS q(k, query) "
                "WHERE e.id = %s AND e.search_vector @@ q.query",
                [*params, entry_id],
            )
            return {key for (key,) in cursor.fetchall()}

    def _visibility(self, sql: _Sql, audience: ViewerAudience) -> None:
        if audience.public_only:
            sql.add("e.audience = %s", Audience.PUBLIC)
            return
        held: list[str] = []
        params: list[Any] = []
        if audience.keys:
            keys = sorted(audience.keys)
            held.append(f"e.audience_key IN ({_placeholders(len(keys))})")
            params += keys
        for namespace in sorted(audience.namespaces):
            # Namespaces are fixed by the domains ("records.body:"), never typed by a viewer.
            held.append("substr(e.audience_key, 1, %s) = %s")
            params += [len(namespace), namespace]
        sql.add(
            f"(e.audience = %s OR (e.audience = %s AND ({' OR '.join(held)})))",
            Audience.PUBLIC,
            Audience.RESTRICTED,
            *params,
        )

    def _filters(self, sql: _Sql, filters: SearchFilters) -> None:
        if filters.kinds:
            sql.add(f"e.kind IN ({_placeholders(len(filters.kinds))})", *filters.kinds)
        if filters.body_ids:
            sql.add(f"e.body_id IN ({_placeholders(len(filters.body_ids))})", *filters.body_ids)
        if filters.date_from:
            sql.add("e.date >= %s", self._date(filters.date_from))
        if filters.date_to:
            sql.add("e.date <= %s", self._date(filters.date_to))

    def _date(self, value: datetime.date) -> Any:
        return value if self.vendor == "postgresql" else value.isoformat()

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
        postgresql = self.vendor == "postgresql"
        count_groups = self._postgresql_groups if postgresql else self._sqlite_groups
        # The counts walk every match, as the ranking does: both run at once, the counts on a
        # connection of their own.
        groups = _beside(lambda cursor: count_groups(cursor, query, filters, audience))
        page_sql, page_params = self.page_statement(
            query=query, filters=filters, audience=audience, offset=offset, limit=limit
        )
        if postgresql:
            ranks, rows = self._postgresql_page(query, page_sql, page_params)
            return _page(_hits(ranks, rows, score=float), groups())
        ranks, rows = self._sqlite_page(query, page_sql, page_params)
        # bm25 is lower for better matches; scores are higher for them.
        return _page(_hits(ranks, rows, score=lambda rank: -float(rank)), groups())

    def suggest(self, *, query: ParsedQuery, audience: ViewerAudience, limit: int) -> list[str]:
        if query.is_empty:
            return []
        sql = _Sql()
        self._visibility(sql, audience)
        if self.vendor == "postgresql":
            configuration = self.postgresql_configuration()[0]
            text = " & ".join(_tsquery_term(term, self._fold, weight="A") for term in query.terms())
            statement = (
                "SELECT e.title FROM search_searchentry e, "
                "to_tsquery(%s::regconfig, %s) AS q "
                f"WHERE e.search_vector @@ q AND {sql.where} "
                "ORDER BY ts_rank(coalesce(e.rank_vector, e.search_vector), q) DESC, "
                "length(e.title), e.id LIMIT %s"
            )
            params = [configuration, text, *sql.params, limit * 3]
        else:
            match = "{title} : (" + " AND ".join(_fts_term(t) for t in query.terms()) + ")"
            statement = (
                "SELECT e.title FROM search_entry_fts "
                "JOIN search_searchentry e ON e.id = search_entry_fts.rowid "
                f"WHERE search_entry_fts MATCH %s AND {sql.where} "
                "ORDER BY bm25(search_entry_fts, 10.0, 1.0), length(e.title), e.id LIMIT %s"
            )
            params = [match, *sql.params, limit * 3]
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            titles = [title for (title,) in cursor.fetchall()]
        return list(dict.fromkeys(titles))[:limit]

    def page_statement(
        self,
        *,
        query: ParsedQuery,
        filters: SearchFilters,
        audience: ViewerAudience,
        offset: int,
        limit: int,
    ) -> tuple[str, list[Any]]:
        """The one ranked full-text statement choosing a page: ``(entry id, rank)`` rows, best
        first. Everything else a search returns is read around it for the page alone, but for
        the counts, which run beside it on a connection of their own."""
        if self.vendor == "postgresql":
            source, params = self._postgresql_source(query, filters, audience)
            return (
                f"SELECT e.id, {_POSTGRESQL_RANK} AS score {source} "
                "ORDER BY score DESC, e.id LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )
        source, params = self._sqlite_source(query, filters, audience)
        return (
            f"SELECT e.id, bm25(search_entry_fts, 10.0, 1.0) AS rank {source} "
            "ORDER BY rank, e.id LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )

    # -- SQLite -----------------------------------------------------------------------------

    def _sqlite_source(
        self, query: ParsedQuery, filters: SearchFilters, audience: ViewerAudience
    ) -> tuple[str, list[Any]]:
        sql = _Sql()
        sql.add("search_entry_fts MATCH %s", _fts_match(query))
        self._visibility(sql, audience)
        self._filters(sql, filters)
        # Audience, filters and facets come from the narrow index, never from the row, whose
        # text would have to be walked through first (see migration 0002).
        source = (
            f"FROM search_entry_fts JOIN {TABLE} AS e INDEXED BY search_entry_facets "
            f"ON e.id = search_entry_fts.rowid WHERE {sql.where}"
        )
        return source, sql.params

    def _sqlite_groups_statement(
        self, cursor: Any, query: ParsedQuery, filters: SearchFilters, audience: ViewerAudience
    ) -> tuple[str, list[Any]]:
        """The statement counting the matches by kind, body and year.

        Few matches are looked up one by one in the narrow index and grouped; when they are a
        large part of the index (entry ids are never reused, so the highest stands for its
        size), the index is walked once in facet order instead, with no sort.
        """
        match = _fts_match(query)
        cursor.execute(
            f"SELECT COUNT(*), (SELECT MAX(id) FROM {TABLE}) FROM search_entry_fts "
            "WHERE search_entry_fts MATCH %s",
            [match],
        )
        ((matches, entries),) = cursor.fetchall()
        if matches <= FACET_INDEX_WALK_SHARE * (entries or 0):
            source, params = self._sqlite_source(query, filters, audience)
            return (
                "SELECT e.kind, e.body_id, e.body_name, substr(e.date, 1, 4), COUNT(*) "
                f"{source} GROUP BY 1, 2, 3, 4",
                params,
            )
        sql = _Sql()
        sql.add(
            "e.id IN (SELECT rowid FROM search_entry_fts WHERE search_entry_fts MATCH %s)", match
        )
        self._visibility(sql, audience)
        self._filters(sql, filters)
        return (
            "SELECT e.kind, e.body_id, e.body_name, substr(e.date, 1, 4), COUNT(*) "
            f"FROM {TABLE} AS e INDEXED BY search_entry_facet_groups WHERE {sql.where} "
            "GROUP BY e.kind, e.body_id, e.body_name, substr(e.date, 1, 4)",
            sql.params,
        )

    def _sqlite_groups(
        self, cursor: Any, query: ParsedQuery, filters: SearchFilters, audience: ViewerAudience
    ) -> list[tuple]:
        cursor.execute(*self._sqlite_groups_statement(cursor, query, filters, audience))
        return cursor.fetchall()

    def _sqlite_page(
        self, query: ParsedQuery, page_sql: str, page_params: list[Any]
    ) -> tuple[dict[int, Any], list[tuple]]:
        """The page's ranks, then its own columns and snippets, read for its entries only."""
        with connection.cursor() as cursor:
            cursor.execute(page_sql, page_params)
            ranks = dict(cursor.fetchall())
            if not ranks:
                return ranks, []
            cursor.execute(
                "SELECT e.id, e.kind, e.object_id, e.title, e.date, e.body_id, e.body_name, "
                "snippet(search_entry_fts, -1, char(2), char(3), '…', %s) "
                f"FROM search_entry_fts JOIN {TABLE} AS e ON e.id = search_entry_fts.rowid "
                "WHERE search_entry_fts MATCH %s "
                f"AND search_entry_fts.rowid IN ({_placeholders(len(ranks))})",
                [SNIPPET_TOKENS, _fts_match(query), *ranks],
            )
            return ranks, cursor.fetchall()

    # -- PostgreSQL -------------------------------------------------------------------------

    def _tsquery(self, query: ParsedQuery) -> tuple[str, list[Any]]:
        configuration = self.postgresql_configuration()[0]
        params: list[Any] = []

        def term_sql(term: Term) -> str:
            if term.prefix:
                params.extend([configuration, _tsquery_term(term, self._fold)])
                return "to_tsquery(%s::regconfig, %s)"
            text = self._fold(term.text)
            params.extend([configuration, f'"{text}"' if term.is_phrase else text])
            return "websearch_to_tsquery(%s::regconfig, %s)"

        parts = [
            "(" + " || ".join(term_sql(term) for term in group) + ")" for group in query.groups
        ]
        parts += [f"!!{term_sql(term)}" for term in query.excluded]
        return " && ".join(parts), params

    def _postgresql_source(
        self, query: ParsedQuery, filters: SearchFilters, audience: ViewerAudience
    ) -> tuple[str, list[Any]]:
        tsquery, tsquery_params = self._tsquery(query)
        sql = _Sql()
        sql.add("e.search_vector @@ q.query")
        self._visibility(sql, audience)
        self._filters(sql, filters)
        source = f"FROM {TABLE} e, (SELECT {tsquery} AS query) q WHERE {sql.where}"
        return source, [*tsquery_params, *sql.params]

    def _headline_source(self, query: ParsedQuery) -> tuple[str, list[Any]]:
        """The text to take a headline from: the title when there is no text, the whole text
        when short, else a window of it around the first word of the search found in it."""
        words = list(dict.fromkeys(word.lower() for term in query.terms() for word in term.words))
        positions = ", ".join(["NULLIF(strpos(lower(e.content), %s), 0)"] * len(words))
        before = HEADLINE_WINDOW_CHARS // 4
        return (
            "CASE WHEN e.content = '' THEN e.title "
            "WHEN length(e.content) <= %s THEN e.content "
            f"ELSE substr(e.content, greatest(1, coalesce(least({positions}), 1) - %s), %s) END",
            [
                HEADLINE_WINDOW_CHARS,
                *(self._fold(word) for word in words),
                before,
                HEADLINE_WINDOW_CHARS,
            ],
        )

    def _postgresql_groups(
        self, cursor: Any, query: ParsedQuery, filters: SearchFilters, audience: ViewerAudience
    ) -> list[tuple]:
        source, params = self._postgresql_source(query, filters, audience)
        with _postgresql_search_settings(cursor):
            cursor.execute(
                "SELECT e.kind, e.body_id, e.body_name, "
                f"CAST(EXTRACT(YEAR FROM e.date) AS integer), COUNT(*) {source} "
                "GROUP BY 1, 2, 3, 4",
                params,
            )
            return cursor.fetchall()

    def _postgresql_page(
        self, query: ParsedQuery, page_sql: str, page_params: list[Any]
    ) -> tuple[dict[int, Any], list[tuple]]:
        """The page's ranks, then its columns and headlines, computed for its entries only."""
        tsquery, tsquery_params = self._tsquery(query)
        headline_text, headline_params = self._headline_source(query)
        configuration = self.postgresql_configuration()[0]
        with connection.cursor() as cursor, _postgresql_search_settings(cursor):
            cursor.execute(page_sql, page_params)
            ranks = dict(cursor.fetchall())
            if not ranks:
                return ranks, []
            cursor.execute(
                "SELECT e.id, e.kind, e.object_id, e.title, e.date, e.body_id, e.body_name, "
                f"ts_headline(%s::regconfig, {headline_text}, q.query, %s) "
                f"FROM {TABLE} e, (SELECT {tsquery} AS query) q "
                f"WHERE e.id IN ({_placeholders(len(ranks))})",
                [configuration, *headline_params, _HEADLINE_OPTIONS, *tsquery_params, *ranks],
            )
            return ranks, cursor.fetchall()


# Ranks by the title and the opening of the text (see RANK_CONTENT_CHARS).
_POSTGRESQL_RANK = "ts_rank(coalesce(e.rank_vector, e.search_vector), q.query)"

_HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)


@contextmanager
def _postgresql_search_settings(cursor: Any) -> Iterator[None]:
    """The planner settings of a search, for its statements only: they are set in a
    transaction (the caller's, if there is one) and put back as they were."""
    with transaction.atomic(using=cursor.db.alias):
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', %s, true)",
            [POSTGRESQL_SEARCH_SETTINGS["enable_seqscan"]],
        )
        ((seqscan, _),) = cursor.fetchall()
        yield
        cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [seqscan])


def _fts_term(term: Term) -> str:
    # Words hold letters and digits only, so quoting them cannot break the FTS5 syntax.
    quoted = '"' + " ".join(term.words) + '"'
    return quoted + "*" if term.prefix else quoted


def _fts_match(query: ParsedQuery) -> str:
    groups = ["(" + " OR ".join(_fts_term(term) for term in group) + ")" for group in query.groups]
    match = " AND ".join(groups)
    if query.excluded:
        match += " NOT (" + " OR ".join(_fts_term(term) for term in query.excluded) + ")"
    return match


def _tsquery_term(term: Term, fold: Callable[[str], str], *, weight: str = "") -> str:
    """A to_tsquery expression for a term whose last word is a prefix (words are alphanumeric)."""
    words = [f"'{fold(word)}'" for word in term.words]
    words[-1] += ":*" + weight
    if weight:
        words[:-1] = [word + ":" + weight for word in words[:-1]]
    return " <-> ".join(words)


def _as_date(value: Any) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


def _hits(
    ranks: dict[int, float], rows: list[tuple], *, score: Callable[[Any], float]
) -> list[Hit]:
    """The page's hits in rank order, from the ranks and the rows read for them (id, kind,
    object id, title, date, body id, body name, marked snippet); an entry gone in between is
    left out."""
    details = {row[0]: row for row in rows}
    hits: list[Hit] = []
    for entry_id, rank in ranks.items():
        if entry_id not in details:
            continue
        _, kind, object_id, title, date, body_id, body_name, snippet = details[entry_id]
        hits.append(
            Hit(
                kind=kind,
                object_id=object_id,
                title=title,
                snippet=highlight_html(snippet or ""),
                score=score(rank),
                date=_as_date(date),
                body_id=body_id,
                body_name=body_name,
            )
        )
    return hits


def _page(hits: list[Hit], groups: list[tuple]) -> SearchPage:
    by_kind: dict[tuple[str, str], int] = defaultdict(int)
    by_body: dict[tuple[str, str], int] = defaultdict(int)
    body_names: dict[str, str] = {}
    by_year: dict[tuple[str, str], int] = defaultdict(int)
    total = 0
    for kind, body_id, body_name, year, count in groups:
        total += count
        by_kind[(kind, kind)] += count
        if body_id is not None:
            body_names.setdefault(str(body_id), body_name)
            by_body[(str(body_id), "")] += count
        if year is not None:
            by_year[(str(year), str(year))] += count
    bodies = {(value, body_names[value]): count for (value, _), count in by_body.items()}
    return SearchPage(
        hits=hits,
        total=total,
        by_kind=facet_sort(by_kind),
        by_body=facet_sort(bodies),
        by_year=facet_sort(by_year, by_value=True),
    )


__all__ = ["DatabaseBackend", "FacetCount"]
