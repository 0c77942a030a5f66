"""Saved searches: a resident's search that tells them when a newly published record matches it.

Matching runs in the background, after the index work: each refresh of the search index hands
its newly written public entries to ``index_entries_written``, which enqueues a task; the task
tests the saved searches against each of those entries alone, through the search backend, and
records one event per saved search that matches, audienced to that saved search (its owner).
Each (saved search, record) pair is announced at most once, whatever is re-published,
re-indexed or re-extracted later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from itertools import islice
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.common.errors import ActionError, FieldError
from backend.notifications.actions import NotificationsErrorCode, event_record
from backend.notifications.models import SavedSearch, SavedSearchMatch
from backend.notifications.registry import (
    announced_kind,
    announced_kinds,
    known_bodies,
    notification_kind_register,
)
from backend.search.backends import search_backend
from backend.search.backends.base import SearchFilters, StandingQuery
from backend.search.query import MAX_QUERY_LENGTH, ParsedQuery, QueryTooLong, Term, query_parse
from backend.search.registry import Audience, IndexEntry, kind_get

Codes = NotificationsErrorCode

SAVED_SEARCH_MATCH = "saved_search_match"
NAME_MAX_LENGTH = SavedSearch._meta.get_field("name").max_length
# Saved searches read from the database and tested against one entry at a time.
CANDIDATE_BATCH = 1000


def saved_search_kind_register() -> None:
    """Declare the kind of notification saved searches make (email preferences list it)."""
    notification_kind_register(
        kind=SAVED_SEARCH_MATCH,
        label=_("New match for a saved search"),
        email_default="daily",
        headline=lambda parts: _("New match for “%(name)s”: %(subject)s") % parts,
    )


def saved_search_max() -> int:
    return int(getattr(settings, "NOTIFICATIONS_MAX_SAVED_SEARCHES", 20))


# -- create and delete ----------------------------------------------------------------------


def _term_key(term: Term) -> list[Any]:
    return [[word.casefold() for word in term.words], term.prefix]


def saved_search_fingerprint(*, query: ParsedQuery, kinds: list[str], body_ids: list[int]) -> str:
    """The same search however it is typed: word case, word order and spacing do not count."""
    canonical = {
        "groups": sorted(sorted(_term_key(term) for term in group) for group in query.groups),
        "excluded": sorted(_term_key(term) for term in query.excluded),
        "kinds": sorted(kinds),
        "bodies": sorted(body_ids),
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _clean_query(errors: list[FieldError], query: Any) -> tuple[str, ParsedQuery | None]:
    text = query.strip() if isinstance(query, str) else ""
    if not text:
        errors.append(FieldError(Codes.REQUIRED, "Type what to search for.", "query"))
        return "", None
    try:
        parsed = query_parse(text)
    except QueryTooLong:
        errors.append(
            FieldError(
                Codes.TOO_LONG, f"A search is limited to {MAX_QUERY_LENGTH} characters.", "query"
            )
        )
        return text, None
    if parsed.is_empty:
        errors.append(
            FieldError(
                Codes.REQUIRED,
                "The search needs at least one word to look for (not only excluded words).",
                "query",
            )
        )
        return text, None
    return text, parsed


def _clean_kinds(errors: list[FieldError], kinds: list[str] | None) -> list[str]:
    allowed = announced_kinds()
    cleaned = sorted(set(kinds or []))
    unknown = [kind for kind in cleaned if kind not in allowed]
    if unknown:
        errors.append(
            FieldError(
                Codes.INVALID,
                f"Saved searches hear of these kinds only: {', '.join(allowed)}.",
                "filter.kinds",
            )
        )
    return cleaned


def _clean_bodies(errors: list[FieldError], bodies: list[str] | None) -> list[int]:
    values = [str(value).strip() for value in bodies or []]
    ids = sorted({int(value) for value in values if value.isdigit()})
    malformed = [value for value in values if not value.isdigit()]
    if malformed or set(ids) - known_bodies(set(ids)):
        errors.append(
            FieldError(Codes.INVALID, "Some of these bodies do not exist.", "filter.bodies")
        )
    return ids


@transaction.atomic
def saved_search_create(
    *,
    user: Any,
    query: str,
    name: str = "",
    kinds: list[str] | None = None,
    bodies: list[str] | None = None,
) -> SavedSearch:
    """Save a search for ``user``; saving the same search again returns the first one.

    ``kinds`` and ``bodies`` have the shape of the search filter (search kinds, body facet
    values); empty means every kind and every body. Raises ``ActionError``; nothing is saved then.
    """
    if not getattr(user, "is_authenticated", False):
        raise ActionError.single(Codes.UNAUTHENTICATED, "Sign in to save a search.")
    errors: list[FieldError] = []
    text, parsed = _clean_query(errors, query)
    label = name.strip() if isinstance(name, str) else ""
    if len(label) > NAME_MAX_LENGTH:
        errors.append(
            FieldError(Codes.TOO_LONG, f"A name is at most {NAME_MAX_LENGTH} characters.", "name")
        )
    kind_list = _clean_kinds(errors, kinds)
    body_ids = _clean_bodies(errors, bodies)
    if errors or parsed is None:
        raise ActionError(errors)
    fingerprint = saved_search_fingerprint(query=parsed, kinds=kind_list, body_ids=body_ids)
    # One user's saves are serialized, so concurrent ones cannot pass the cap together.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    existing = SavedSearch.objects.filter(user=user, fingerprint=fingerprint).first()
    if existing is not None:
        return existing
    if SavedSearch.objects.filter(user=user).count() >= saved_search_max():
        raise ActionError.single(
            Codes.LIMIT_REACHED, f"You can save at most {saved_search_max()} searches."
        )
    values = {
        "name": label or _default_name(text),
        "query": text,
        "kinds": kind_list,
        "body_ids": body_ids,
    }
    try:
        with transaction.atomic():
            return SavedSearch.objects.create(user=user, fingerprint=fingerprint, **values)
    except IntegrityError:  # a concurrent request saved the same search first
        return SavedSearch.objects.get(user=user, fingerprint=fingerprint)


def _default_name(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= NAME_MAX_LENGTH else text[: NAME_MAX_LENGTH - 1] + "…"


@transaction.atomic
def saved_search_delete(*, user: Any, saved_search_id: str) -> None:
    """Delete one of the user's saved searches; anyone else's is not found, and stays."""
    if not getattr(user, "is_authenticated", False):
        raise ActionError.single(Codes.UNAUTHENTICATED, "Sign in first.")
    deleted = 0
    if str(saved_search_id).isdigit():
        deleted, _ = SavedSearch.objects.filter(user=user, pk=int(saved_search_id)).delete()
    if not deleted:
        raise ActionError.single(Codes.NOT_FOUND, "No saved search with that ID.", "id")


# -- matching newly public records ----------------------------------------------------------


def index_entries_written(entries: list[IndexEntry]) -> None:
    """Index listener: enqueue the matching of the public entries saved searches hear of.

    Runs in the index work's transaction, so the matching exists as work once the entries do.
    """
    from backend.notifications.tasks import saved_searches_match_task

    keys = list(
        dict.fromkeys(
            (entry.kind, entry.object_id)
            for entry in entries
            if entry.audience == Audience.PUBLIC and announced_kind(entry.kind) is not None
        )
    )
    if keys and SavedSearch.objects.exists():
        saved_searches_match_task.enqueue(keys=[list(key) for key in keys])


def _batches(items: Iterator[SavedSearch], size: int) -> Iterator[list[SavedSearch]]:
    while batch := list(islice(items, size)):
        yield batch


def _standing(saved: SavedSearch) -> StandingQuery | None:
    try:
        query = query_parse(saved.query)
    except QueryTooLong:
        return None
    return StandingQuery(
        key=str(saved.pk),
        query=query,
        filters=SearchFilters(kinds=tuple(saved.kinds), body_ids=tuple(saved.body_ids)),
    )


def saved_searches_match_now(*, kind: str, object_id: str) -> list[int]:
    """Announce a newly public record to the saved searches it matches; returns their ids.

    Only saved searches made before the record first became public hear of it, each once.
    Safe to run again, late, or concurrently with itself.
    """
    announced = announced_kind(kind)
    if announced is None:
        return []
    search_kind = kind_get(kind)
    instance = search_kind.queryset().filter(pk=object_id).first()
    if instance is None:
        return []
    # The record as it is now: a draft or closed-session record is never announced, even if
    # the index work that asked for this ran while it was public.
    entry = search_kind.entry(instance)
    if entry.audience != Audience.PUBLIC:
        return []
    public_since = announced.public_since(instance)
    if public_since is None:
        return []
    subject_type = ContentType.objects.get_for_model(instance)
    announced_to = SavedSearchMatch.objects.filter(
        subject_type=subject_type, subject_id=instance.pk
    ).values("saved_search_id")
    candidates = (
        SavedSearch.objects.filter(created_at__lte=public_since)
        .exclude(pk__in=announced_to)
        .only("pk", "query", "kinds", "body_ids")
        .order_by("pk")
    )
    backend = search_backend()
    matched: list[int] = []
    for batch in _batches(candidates.iterator(chunk_size=CANDIDATE_BATCH), CANDIDATE_BATCH):
        standing = [query for query in map(_standing, batch) if query is not None]
        keys = backend.matching_queries(kind=kind, object_id=str(object_id), queries=standing)
        matched += sorted(int(key) for key in keys)
    return [
        saved_search_id
        for saved_search_id in matched
        if _announce(
            saved_search_id=saved_search_id,
            instance=instance,
            subject_type=subject_type,
            entry=entry,
            label=search_kind.label,
        )
    ]


def _announce(
    *,
    saved_search_id: int,
    instance: models.Model,
    subject_type: ContentType,
    entry: IndexEntry,
    label: str,
) -> bool:
    """Record the match and its event together, once; False when it was already recorded."""
    with transaction.atomic():
        # Deleting the saved search waits for this, or this sees it gone.
        saved = SavedSearch.objects.select_for_update().filter(pk=saved_search_id).first()
        if saved is None:
            return False
        try:
            with transaction.atomic():
                match = SavedSearchMatch.objects.create(
                    saved_search=saved, subject_type=subject_type, subject_id=instance.pk
                )
        except IntegrityError:  # announced by a concurrent run
            return False
        event = event_record(
            kind=SAVED_SEARCH_MATCH,
            title=f"New match for “{saved.name}”: {entry.title}",
            text=" · ".join(part for part in (label, entry.body_name) if part),
            subject=instance,
            audiences=[saved],
            headline_parts={"name": saved.name, "subject": entry.title},
        )
        match.event = event
        match.save(update_fields=["event"])
        saved.last_matched_at = timezone.now()
        saved.save(update_fields=["last_matched_at"])
    return True
