"""Who may see and edit meeting records. Every path (GraphQL, feeds, search, admin) asks here."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.expressions import BaseExpression

from backend.records.models import (
    AgendaItem,
    Body,
    Document,
    Meeting,
    MemberVote,
    Minutes,
    MinutesVersion,
    PublicationEvent,
    Vote,
)


def user_administers_records(*, user: Any) -> bool:
    """Administrators see and edit every body's records."""
    return bool(getattr(user, "is_authenticated", False)) and user.has_perm("records.change_body")


def bodies_editable_by(*, user: Any) -> QuerySet[Body]:
    """The bodies whose records the user may see as drafts and edit."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("records.change_meeting"):
        return Body.objects.none()
    if user_administers_records(user=user):
        return Body.objects.all()
    return Body.objects.filter(clerks=user)


def body_editable_by(*, user: Any, body_id: int) -> bool:
    return bodies_editable_by(user=user).filter(pk=body_id).exists()


def _edits_records(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_perm(
        "records.change_meeting"
    )


def _edits_every_body(user: Any) -> bool:
    return _edits_records(user) and user_administers_records(user=user)


def editable_body_filter(*, user: Any, body_path: str = "body") -> Q:
    """Rows whose body (reached through ``body_path``) the user may edit; matches none for most."""
    if not _edits_records(user):
        return Q(pk__in=[])
    if user_administers_records(user=user):
        return Q(**{f"{body_path}__isnull": False})
    return Q(**{f"{body_path}__in": bodies_editable_by(user=user).values("pk")})


def meeting_visibility_filter(*, user: Any, meeting_path: str = "") -> Q:
    """Meetings the user may see, as a filter on rows that reach a meeting through the path."""
    prefix = f"{meeting_path}__" if meeting_path else ""
    published = Q(**{f"{prefix}published_at__isnull": False})
    if not getattr(user, "is_authenticated", False):
        return published
    if user_administers_records(user=user):
        return Q(**{f"{prefix}pk__isnull": False})
    return published | editable_body_filter(user=user, body_path=f"{prefix}body")


def meetings_visible_to(
    *, user: Any, queryset: QuerySet[Meeting] | None = None
) -> QuerySet[Meeting]:
    """Published meetings for everyone; drafts too for the clerks of their body and admins."""
    queryset = Meeting.objects.all() if queryset is None else queryset
    if getattr(user, "is_authenticated", False) and user_administers_records(user=user):
        return queryset
    return queryset.filter(meeting_visibility_filter(user=user))


def meeting_visible_to(*, user: Any, meeting: Meeting) -> bool:
    return meetings_visible_to(user=user).filter(pk=meeting.pk).exists()


def meeting_editable_by(*, user: Any, meeting: Meeting) -> bool:
    return body_editable_by(user=user, body_id=meeting.body_id)


def closed_content_hidden(*, user: Any, item_path: str = "") -> BaseExpression:
    """True for closed-session items whose content the user may not see (anyone who cannot edit
    the item's body)."""
    prefix = f"{item_path}__" if item_path else ""
    if _edits_every_body(user):
        return Value(False)
    if not _edits_records(user):
        return F(f"{prefix}is_closed_session")
    return Case(
        When(
            Q(**{f"{prefix}is_closed_session": True})
            & ~editable_body_filter(user=user, body_path=f"{prefix}meeting__body"),
            then=Value(True),
        ),
        default=Value(False),
    )


def _open_items_filter(*, user: Any, item_path: str, nullable: bool) -> Q:
    """Rows attached to an open item, or to any item of a body the user edits."""
    if _edits_every_body(user):
        return Q(pk__isnull=False)
    open_item = Q(**{f"{item_path}__is_closed_session": False})
    if nullable:
        open_item |= Q(**{f"{item_path}__isnull": True})
    return open_item | editable_body_filter(user=user, body_path=f"{item_path}__meeting__body")


def agenda_items_visible_to(
    *, user: Any, queryset: QuerySet[AgendaItem] | None = None
) -> QuerySet[AgendaItem]:
    """Items of visible meetings, annotated with ``content_hidden`` for closed-session items."""
    queryset = AgendaItem.objects.all() if queryset is None else queryset
    return queryset.filter(meeting_visibility_filter(user=user, meeting_path="meeting")).annotate(
        content_hidden=closed_content_hidden(user=user)
    )


def documents_visible_to(
    *, user: Any, queryset: QuerySet[Document] | None = None
) -> QuerySet[Document]:
    """Documents of visible meetings, without closed-session items' documents for non-editors."""
    queryset = Document.objects.all() if queryset is None else queryset
    return queryset.filter(
        meeting_visibility_filter(user=user, meeting_path="meeting"),
        _open_items_filter(user=user, item_path="agenda_item", nullable=True),
    )


def votes_visible_to(*, user: Any, queryset: QuerySet[Vote] | None = None) -> QuerySet[Vote]:
    """Votes on visible meetings' items, without closed-session votes for non-editors."""
    queryset = Vote.objects.all() if queryset is None else queryset
    return queryset.filter(
        meeting_visibility_filter(user=user, meeting_path="agenda_item__meeting"),
        _open_items_filter(user=user, item_path="agenda_item", nullable=False),
    )


def member_votes_visible_to(
    *, user: Any, queryset: QuerySet[MemberVote] | None = None
) -> QuerySet[MemberVote]:
    queryset = MemberVote.objects.all() if queryset is None else queryset
    return queryset.filter(
        meeting_visibility_filter(user=user, meeting_path="vote__agenda_item__meeting"),
        _open_items_filter(user=user, item_path="vote__agenda_item", nullable=False),
    )


def _minutes_filters(*, user: Any, minutes_path: str) -> tuple[Any, Q]:
    """Minutes (at ``minutes_path``) of visible meetings; drafts only for their body's editors."""
    prefix = f"{minutes_path}__" if minutes_path else ""
    return (
        meeting_visibility_filter(user=user, meeting_path=f"{prefix}meeting"),
        ~Q(**{f"{prefix}status": Minutes.Status.DRAFT})
        | editable_body_filter(user=user, body_path=f"{prefix}meeting__body"),
    )


def minutes_visible_to(
    *, user: Any, queryset: QuerySet[Minutes] | None = None
) -> QuerySet[Minutes]:
    """Published and adopted minutes of visible meetings; drafts only for their body's editors."""
    queryset = Minutes.objects.all() if queryset is None else queryset
    return queryset.filter(*_minutes_filters(user=user, minutes_path=""))


def minutes_versions_visible_to(
    *, user: Any, queryset: QuerySet[MinutesVersion] | None = None
) -> QuerySet[MinutesVersion]:
    queryset = MinutesVersion.objects.all() if queryset is None else queryset
    return queryset.filter(*_minutes_filters(user=user, minutes_path="minutes"))


def publication_events_visible_to(
    *, user: Any, queryset: QuerySet[PublicationEvent] | None = None
) -> QuerySet[PublicationEvent]:
    """The publication history is the editors' record; the public sees the current status."""
    queryset = PublicationEvent.objects.all() if queryset is None else queryset
    return queryset.filter(editable_body_filter(user=user, body_path="meeting__body"))
