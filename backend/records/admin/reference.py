"""Bodies, people and memberships: reference data that administrators maintain."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from backend.records.admin.base import (
    AuditedAdmin,
)
from backend.records.models import (
    Body,
    Membership,
    Person,
)


class BodyMembershipInline(admin.TabularInline):
    model = Membership
    fields = ["person", "role", "start_date", "end_date"]
    autocomplete_fields = ["person"]
    extra = 0


class PersonMembershipInline(admin.TabularInline):
    model = Membership
    fields = ["body", "role", "start_date", "end_date"]
    autocomplete_fields = ["body"]
    extra = 0


@admin.register(Body)
class BodyAdmin(AuditedAdmin):
    list_display = ["name", "classification", "active"]
    list_filter = ["classification", "active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["clerks"]
    inlines = [BodyMembershipInline]
    audited_m2m = ("clerks",)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "clerks":
            kwargs["queryset"] = db_field.remote_field.model.objects.filter(
                groups__name="clerk"
            ).order_by("email")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Person)
class PersonAdmin(AuditedAdmin):
    list_display = ["name", "title", "ward", "active"]
    list_filter = ["active"]
    search_fields = ["name", "ward"]
    inlines = [PersonMembershipInline]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["person", "body", "role", "start_date", "end_date"]
    list_filter = ["body", "role"]
    list_select_related = ["person", "body"]
    search_fields = ["person__name", "body__name"]
    autocomplete_fields = ["person", "body"]
