"""What the index holds: each domain registers its searchable kinds here.

A kind turns one object into an ``IndexEntry``: its title and body text, its facets (body, date,
status), who may see it (its audience) and its version. The index never holds what a kind marks
hidden: drafts outside their editors, closed-session content, deleted objects.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models


class Audience:
    """Who may see an entry."""

    PUBLIC = "public"
    # Only viewers holding the entry's audience key (e.g. the clerks of its body).
    RESTRICTED = "restricted"
    # Nobody: a tombstone for something deleted, unpublished or never public.
    HIDDEN = "hidden"


# Deleting is final (primary keys are never reused), so a deletion outranks every later replay.
DELETED_VERSION = 2**62

# Longer text adds nothing to ranking and exceeds what PostgreSQL can hold in one tsvector.
MAX_CONTENT_CHARS = 200_000
MAX_TITLE_CHARS = 1_000

# Reserved as highlight markers by the backends; never let indexed text contain them.
_MARKERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def clean_text(text: str, *, limit: int) -> str:
    return _MARKERS.sub(" ", text or "")[:limit]


def fold_accents(text: str) -> str:
    """Remove diacritics, so that "élection" and "election" index and match alike."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@dataclass(frozen=True)
class IndexEntry:
    """One searchable object as every backend stores it."""

    kind: str
    object_id: str
    version: int
    audience: str = Audience.PUBLIC
    audience_key: str = ""
    title: str = ""
    content: str = ""
    body_id: int | None = None
    body_name: str = ""
    date: datetime.date | None = None
    status: str = ""
    # "kind:id" of the object this one belongs to, so that its removal reaches this entry.
    parent: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.object_id}"

    def cleaned(self) -> IndexEntry:
        if self.audience == Audience.HIDDEN:
            # A tombstone keeps its version and nothing a viewer could find.
            return IndexEntry(
                kind=self.kind,
                object_id=self.object_id,
                version=self.version,
                audience=Audience.HIDDEN,
                parent=self.parent,
            )
        return IndexEntry(
            kind=self.kind,
            object_id=self.object_id,
            version=self.version,
            audience=self.audience,
            audience_key=self.audience_key,
            title=clean_text(self.title, limit=MAX_TITLE_CHARS),
            content=clean_text(self.content, limit=MAX_CONTENT_CHARS),
            body_id=self.body_id,
            body_name=self.body_name,
            date=self.date,
            status=self.status,
            parent=self.parent,
        )


def tombstone(*, kind: str, object_id: str, version: int, parent: str = "") -> IndexEntry:
    return IndexEntry(
        kind=kind,
        object_id=str(object_id),
        version=version,
        audience=Audience.HIDDEN,
        parent=parent,
    )


@dataclass(frozen=True)
class SearchKind:
    """A kind of searchable object, declared by the domain that owns it.

    ``entry`` builds the entry for one object as it is now (hidden when nobody may find it);
    ``queryset`` lists every object to index on a rebuild; ``dependents`` names the entries
    that copy something of this object (a meeting's agenda items and documents follow its
    visibility; a body's meetings carry its name), refreshed with it.

    A hit carries its record when the kind says how to load it: ``visible_to`` returns the
    objects of the kind a viewer may see, from the domain's own selectors, so a hit whose
    record the viewer may no longer see (unpublished since it was indexed) carries none; and
    ``graphql_type`` names, as a dotted path, the GraphQL type that represents the record. Only
    the schema assembly (``backend.api``) resolves that path, so this app never imports a
    domain.
    """

    name: str
    label: str
    model: type[models.Model]
    queryset: Callable[[], models.QuerySet]
    entry: Callable[[Any], IndexEntry]
    dependents: Callable[[Any], Iterable[tuple[str, Any]]] = field(default=lambda obj: ())
    visible_to: Callable[[Any], models.QuerySet] | None = None
    graphql_type: str = ""


@dataclass
class _Registry:
    kinds: dict[str, SearchKind] = field(default_factory=dict)
    # Models whose change alters another kind's entry (minutes text, memberships).
    triggers: dict[type[models.Model], Callable[[Any], Iterable[tuple[str, Any]]]] = field(
        default_factory=dict
    )
    # Each returns the audience keys a viewer holds; a key ending in ":*" holds its namespace.
    audience_resolvers: list[Callable[[Any], set[str]]] = field(default_factory=list)
    # Called with the entries each piece of index work has just written, in its transaction.
    index_listeners: list[Callable[[list[IndexEntry]], None]] = field(default_factory=list)


registry = _Registry()


def kind_register(kind: SearchKind) -> None:
    registry.kinds[kind.name] = kind


def trigger_register(
    model: type[models.Model], targets: Callable[[Any], Iterable[tuple[str, Any]]]
) -> None:
    registry.triggers[model] = targets


def audience_resolver_register(resolver: Callable[[Any], set[str]]) -> None:
    registry.audience_resolvers.append(resolver)


def index_listener_register(listener: Callable[[list[IndexEntry]], None]) -> None:
    """Hear of the entries each refresh writes (saved searches test the newly public ones).

    A listener runs inside the index work's transaction on the database backend: what it
    enqueues exists only if the entries were written. Rebuilds call no listener.
    """
    if listener not in registry.index_listeners:
        registry.index_listeners.append(listener)


def kind_get(name: str) -> SearchKind:
    try:
        return registry.kinds[name]
    except KeyError:
        raise LookupError(f"no searchable kind named {name!r}") from None


def kinds_all() -> list[SearchKind]:
    return list(registry.kinds.values())


def targets_for(instance: models.Model) -> Iterator[tuple[str, str]]:
    """The entries to refresh after a change to ``instance``: its own and those it feeds."""
    if instance.pk is None:
        return
    for kind in registry.kinds.values():
        if isinstance(instance, kind.model):
            yield kind.name, str(instance.pk)
    for model, targets in registry.triggers.items():
        if isinstance(instance, model):
            for name, object_id in targets(instance):
                yield name, str(object_id)


@dataclass(frozen=True)
class ViewerAudience:
    """The restricted entries a viewer may see besides the public ones.

    ``keys`` are exact audience keys ("records.body:12"); ``namespaces`` are key prefixes
    ("records.body:") held whole, as an administrator holds every body.
    """

    keys: frozenset[str] = frozenset()
    namespaces: frozenset[str] = frozenset()

    @property
    def public_only(self) -> bool:
        return not self.keys and not self.namespaces


def viewer_audience(*, user: Any) -> ViewerAudience:
    if not getattr(user, "is_authenticated", False):
        return ViewerAudience()
    keys: set[str] = set()
    for resolver in registry.audience_resolvers:
        keys |= resolver(user)
    return ViewerAudience(
        keys=frozenset(key for key in keys if not key.endswith("*")),
        namespaces=frozenset(key[:-1] for key in keys if key.endswith("*")),
    )
