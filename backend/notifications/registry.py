"""What can be followed: each domain registers its followable models and who may follow them."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import QuerySet


@dataclass(frozen=True)
class Followable:
    model: type[models.Model]
    type_name: str  # the GraphQL type name used in global IDs
    visible_to: Callable[[Any], QuerySet]  # user -> queryset of objects the user may follow


_FOLLOWABLES: dict[str, Followable] = {}


def followable_register(*, model: type[models.Model], type_name: str, visible_to: Callable) -> None:
    _FOLLOWABLES[type_name] = Followable(model=model, type_name=type_name, visible_to=visible_to)


def followable_by_type_name(type_name: str) -> Followable | None:
    return _FOLLOWABLES.get(type_name)


def followable_by_model(model: type[models.Model]) -> Followable | None:
    for followable in _FOLLOWABLES.values():
        if followable.model is model:
            return followable
    return None


# Kinds of notification. Every kind a domain records is declared here once, by that domain, with
# a label residents read and the email delivery it gets until the resident chooses another. A
# kind that was never registered stays in the inbox and is never emailed.


@dataclass(frozen=True)
class NotificationKind:
    kind: str  # as stored on Event and Notification, e.g. "agenda_published"
    label: Any  # a (lazily translated) phrase naming the kind, for preference screens and emails
    email_default: str  # an EmailMode value: "off", "immediate" or "daily"
    # The headline from the parts an event of this kind stored, in the active language; None
    # when the kind stores none (its English title is then shown in every language).
    headline: Callable[[dict[str, str]], str] | None = None


_KINDS: dict[str, NotificationKind] = {}


def notification_kind_register(
    *,
    kind: str,
    label: Any,
    email_default: str,
    headline: Callable[[dict[str, str]], str] | None = None,
) -> None:
    from backend.notifications.models import EmailMode

    if email_default not in EmailMode.values:
        raise ValueError(f"Unknown email delivery {email_default!r} for kind {kind!r}.")
    _KINDS[kind] = NotificationKind(
        kind=kind, label=label, email_default=email_default, headline=headline
    )


def notification_kinds() -> list[NotificationKind]:
    """Every registered kind, in the order the domains registered them."""
    return list(_KINDS.values())


def notification_kind(kind: str) -> NotificationKind | None:
    return _KINDS.get(kind)


def reader_language(user: Any) -> str:
    """The language a user reads notifications in (the Town's default if they chose none)."""
    return getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE


def notification_headline(*, kind: str, title: str, parts: dict[str, str] | None) -> str:
    """A notification's headline in the active language.

    Events store their English title, and the parts their kind composes a headline from; a
    notification written before its kind had a headline, or whose parts no longer fit it, is
    shown with the title it was written with.
    """
    registered = _KINDS.get(kind)
    if not parts or registered is None or registered.headline is None:
        return title
    try:
        return str(registered.headline(parts))
    except (KeyError, TypeError, ValueError):
        return title


# Where a resident reads a notification's subject in the Town's web app: each domain registers a
# path builder per model, and emails link to FRONTEND_URL + path.

_SUBJECT_PATHS: dict[type[models.Model], Callable[[int], str]] = {}


def subject_path_register(*, model: type[models.Model], path: Callable[[int], str]) -> None:
    _SUBJECT_PATHS[model] = path


def subject_path(*, model: type[models.Model] | None, object_id: int) -> str | None:
    builder = _SUBJECT_PATHS.get(model) if model is not None else None
    return builder(object_id) if builder is not None else None


# What saved searches hear of: each domain names the search kinds whose newly public records are
# announced to the saved searches they match, with when each record first became public, and
# how to tell which body ids exist (a saved search's filter names bodies).


@dataclass(frozen=True)
class AnnouncedKind:
    kind: str  # a search kind, e.g. "agenda_item"
    # When the object first became public (None while it is not): saved searches made after
    # that moment do not announce it, since it was not new to them.
    public_since: Callable[[Any], datetime.datetime | None]


_ANNOUNCED: dict[str, AnnouncedKind] = {}
_BODY_LOOKUPS: list[Callable[[set[int]], set[int]]] = []


def announced_kind_register(
    *, kind: str, public_since: Callable[[Any], datetime.datetime | None]
) -> None:
    _ANNOUNCED[kind] = AnnouncedKind(kind=kind, public_since=public_since)


def announced_kind(kind: str) -> AnnouncedKind | None:
    return _ANNOUNCED.get(kind)


def announced_kinds() -> list[str]:
    return list(_ANNOUNCED)


def known_bodies_register(lookup: Callable[[set[int]], set[int]]) -> None:
    """``lookup`` returns which of the given body ids exist."""
    if lookup not in _BODY_LOOKUPS:
        _BODY_LOOKUPS.append(lookup)


def known_bodies(body_ids: set[int]) -> set[int]:
    known: set[int] = set()
    for lookup in _BODY_LOOKUPS:
        known |= lookup(body_ids)
    return known
