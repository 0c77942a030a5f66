"""Who may see and edit meeting records. Every path (GraphQL, feeds, search, admin) asks here."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from backend.records.models import Body, Meeting


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


def meetings_visible_to(*, user: Any) -> QuerySet[Meeting]:
    """Published meetings for everyone; drafts too for the clerks of their body and admins."""
    published = Q(published_at__isnull=False)
    if not getattr(user, "is_authenticated", False):
        return Meeting.objects.filter(published)
    if user_administers_records(user=user):
        return Meeting.objects.all()
    editable = bodies_editable_by(user=user).values("pk")
    return Meeting.objects.filter(published | Q(body__in=editable))
