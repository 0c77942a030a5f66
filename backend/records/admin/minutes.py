"""Minutes: published, corrected with a reason (a new version each time), adopted."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from backend.records.actions import (
    minutes_adopt,
    minutes_correct,
    minutes_publish,
)
from backend.records.admin.base import (
    BodyScopedAdmin,
    copy_state,
    refusals_shown_on,
)
from backend.records.models import (
    Meeting,
    Minutes,
    MinutesVersion,
)
from backend.records.selectors import bodies_editable_by


class MinutesVersionInline(admin.TabularInline):
    model = MinutesVersion
    fields = ["number", "created_at", "created_by", "reason", "diff"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MinutesForm(forms.ModelForm):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 20, "cols": 100}))
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 100}),
        help_text="Required when correcting published minutes.",
    )

    class Meta:
        model = Minutes
        fields = ["meeting", "adopted_by_meeting"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "text" in self.fields:
            latest = self.instance.versions.order_by("-number").first()
            self.fields["text"].initial = latest.text if latest else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk and "text" in self.changed_data and not cleaned.get("reason"):
            self.add_error("reason", "Say why the minutes are corrected.")
        return cleaned


@admin.register(Minutes)
class MinutesAdmin(BodyScopedAdmin):
    body_path = "meeting__body"
    form = MinutesForm
    list_display = ["meeting", "status", "published_at", "adopted_at"]
    list_filter = ["status"]
    list_select_related = ["meeting"]
    search_fields = ["meeting__title"]
    readonly_fields = ["status", "published_at", "adopted_at"]
    inlines = [MinutesVersionInline]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["meeting", "text"]
        return [
            "meeting",
            "status",
            "published_at",
            "adopted_at",
            "text",
            "reason",
            "adopted_by_meeting",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*self.readonly_fields, "meeting"] if obj else self.readonly_fields

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name in ("meeting", "adopted_by_meeting"):
            kwargs["queryset"] = Meeting.objects.filter(
                body__in=bodies_editable_by(user=request.user)
            ).select_related("body")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Minutes, form: Any, change: bool) -> None:
        data = form.cleaned_data
        with refusals_shown_on(None):
            if not change:
                minutes = minutes_publish(
                    actor=request.user, meeting=data["meeting"], text=data["text"]
                )
            else:
                minutes = Minutes.objects.get(pk=obj.pk)
                if "text" in form.changed_data:
                    minutes_correct(
                        actor=request.user,
                        minutes=minutes,
                        text=data["text"],
                        reason=data["reason"],
                    )
                    minutes.refresh_from_db()
                adopted_by = data.get("adopted_by_meeting")
                if "adopted_by_meeting" in form.changed_data and adopted_by is not None:
                    minutes = minutes_adopt(
                        actor=request.user, minutes=minutes, adopted_by_meeting=adopted_by
                    )
        copy_state(obj, minutes)
