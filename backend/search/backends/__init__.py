"""The search backend in use: Elasticsearch when ELASTICSEARCH_URL is set, else the database."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from backend.search.backends.base import SearchBackend


@cache
def _backend(name: str, url: str, index_prefix: str) -> SearchBackend:
    if name == "elasticsearch":
        from backend.search.backends.elasticsearch import ElasticsearchBackend

        return ElasticsearchBackend(url=url, index_prefix=index_prefix)
    if name == "database":
        from backend.search.backends.database import DatabaseBackend

        return DatabaseBackend()
    raise LookupError(f"unknown search backend {name!r}")


def search_backend() -> SearchBackend:
    return _backend(
        settings.SEARCH["BACKEND"], settings.ELASTICSEARCH_URL, settings.SEARCH["INDEX_PREFIX"]
    )
