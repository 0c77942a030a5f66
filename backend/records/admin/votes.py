"""Votes, recorded once with every member's vote."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from backend.records.actions import (
    vote_record,
)
from backend.records.admin.base import (
    BodyScopedAdmin,
    audited_delete,
    copy_state,
    refusals_shown_on,
)
from backend.records.models import (
    AgendaItem,
    MemberVote,
    Vote,
)
from backend.records.selectors import bodies_editable_by


class MemberVoteInline(admin.TabularInline):
    model = MemberVote
    fields = ["person", "value"]

    def get_extra(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        return 0 if obj else 12


@admin.register(Vote)
class VoteAdmin(BodyScopedAdmin):
    """A vote is recorded once with every member's vote; a wrong vote is deleted and recorded
    again by an administrator, so the record never silently changes."""

    body_path = "agenda_item__meeting__body"
    list_display = ["motion_summary", "agenda_item", "result", "yes_count", "no_count"]
    list_filter = ["result"]
    list_select_related = ["agenda_item"]
    search_fields = ["motion", "agenda_item__title"]
    fields = ["agenda_item", "motion", "result"]
    inlines = [MemberVoteInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "agenda_item":
            kwargs["queryset"] = AgendaItem.objects.filter(
                meeting__body__in=bodies_editable_by(user=request.user)
            ).select_related("meeting")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="motion")
    def motion_summary(self, vote: Vote) -> str:
        return vote.motion[:80]

    def save_model(self, request: HttpRequest, obj: Vote, form: Any, change: bool) -> None:
        # The vote and its member votes are one write, made in save_related.
        pass

    def save_related(self, request: HttpRequest, form: Any, formsets: list, change: bool) -> None:
        (member_formset,) = formsets
        member_votes = {
            member.cleaned_data["person"].pk: member.cleaned_data["value"]
            for member in member_formset.forms
            if member.has_changed() and member.cleaned_data.get("person")
        }
        data = form.cleaned_data
        with refusals_shown_on(None):
            vote = vote_record(
                actor=request.user,
                agenda_item=data["agenda_item"],
                motion=data["motion"],
                result=data["result"],
                member_votes=member_votes,
            )
        copy_state(form.instance, vote)
        member_formset.new_objects = list(vote.member_votes.all())
        member_formset.changed_objects, member_formset.deleted_objects = [], []

    def delete_model(self, request: HttpRequest, obj: Vote) -> None:
        audited_delete(actor=request.user, instance=obj, meeting=obj.agenda_item.meeting)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for vote in queryset.select_related("agenda_item__meeting"):
            self.delete_model(request, vote)
