"""What every records admin shares: saves through actions, refusals shown on the form,
scoping by body, and the audit of reference data."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse

from backend.audit.actions import audit_record, audit_snapshot
from backend.common.errors import ActionError, FieldError
from backend.records.actions.base import meeting_touch
from backend.records.effects import record_changed
from backend.records.models import (
    Meeting,
)
from backend.records.selectors import bodies_editable_by, editable_body_filter

_REFUSALS = "_records_admin_refusals"


# Refused saves -------------------------------------------------------------------------------
#
# An action refuses a write with ActionError after the forms were valid. The admin's change view
# runs in a transaction: the refusal is raised out of it (rolling back whatever the same save had
# already written), then the view runs again with the errors attached to the forms they concern,
# so the clerk sees the form again with the reason and nothing is saved.


class SaveRefused(Exception):
    def __init__(self, prefix: str, errors: list[FieldError]) -> None:
        self.prefix = prefix
        self.errors = errors
        super().__init__("; ".join(error.message for error in errors))


@contextmanager
def refusals_shown_on(prefix: str | None) -> Iterator[None]:
    """Turn an action's refusal into errors of the form with this prefix (None: the main form)."""
    try:
        yield
    except ActionError as error:
        raise SaveRefused(prefix or "", error.errors) from error


def _form_field_name(field: str | None, form: forms.BaseForm) -> str | None:
    if not field:
        return None
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", field.split(".")[0]).lower()
    return name if name in form.fields else None


class RefusalsShownMixin:
    """Adds the refusals of the previous attempt, if any, to the form with the same prefix."""

    refusals: dict[str, list[FieldError]] = {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]
        for error in self.refusals.get(self.prefix or "", []):  # type: ignore[attr-defined]
            self.add_error(_form_field_name(error.field, self), error.message)  # type: ignore[attr-defined]
        return cleaned


def with_refusals(request: HttpRequest, form_class: type[forms.BaseForm]) -> type:
    refusals = getattr(request, _REFUSALS, None)
    if not refusals:
        return form_class
    return type(form_class.__name__, (RefusalsShownMixin, form_class), {"refusals": refusals})


class ActionSavingAdmin(admin.ModelAdmin):
    """A model admin whose saves call actions; an action's refusal is shown on the form."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except SaveRefused as refused:
            setattr(request, _REFUSALS, {refused.prefix: refused.errors})
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        return with_refusals(request, super().get_form(request, obj, change, **kwargs))


class RefusalsShownInline:
    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)  # type: ignore[misc]
        formset.form = with_refusals(request, formset.form)
        return formset


def copy_state(target: Model, source: Model) -> None:
    """Make the admin's in-memory object the one the action saved."""
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding = False
    target._state.db = source._state.db


def audited_delete(*, actor: Any, instance: Model, meeting: Meeting | None) -> None:
    """Deletion has no action of its own: record it and its effect like one."""
    audit_record(
        actor=actor,
        action=f"{instance._meta.model_name}.delete",
        instance=instance,
        before=audit_snapshot(instance),
    )
    instance.delete()
    if meeting is not None:
        # Removing a part (an item, a document, a vote) changes the meeting: its revision orders
        # the index work that re-reads it, so no worker that read the part can write it back.
        meeting_touch(meeting)
        record_changed(instance=meeting)


# Who sees what -------------------------------------------------------------------------------


class BodyScopedAdmin(ActionSavingAdmin):
    """Clerks see and edit the records of their own bodies only; administrators see all."""

    body_path = "body"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        editable = editable_body_filter(user=request.user, body_path=self.body_path)
        return super().get_queryset(request).filter(editable)

    def _body_editable(self, request: HttpRequest, obj: Any) -> bool:
        if obj is None:
            return True
        editable = editable_body_filter(user=request.user, body_path=self.body_path)
        return self.model._default_manager.filter(editable, pk=obj.pk).exists()

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) and self._body_editable(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._body_editable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self._body_editable(request, obj)


class PublishedFilter(admin.SimpleListFilter):
    title = "publication"
    parameter_name = "published"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Published"), ("no", "Draft")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(published_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(published_at__isnull=True)
        return queryset


class EditableBodyFilter(admin.RelatedFieldListFilter):
    """The body filter lists only the bodies the user may see."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list:
        return [
            (body.pk, str(body)) for body in bodies_editable_by(user=request.user).order_by("name")
        ]


class AuditedAdmin(admin.ModelAdmin):
    """Reference data is edited here without actions; its changes are still in the audit log,
    and reach the search index as an action's do (a body's new name, its members' entries)."""

    audited_m2m: tuple[str, ...] = ()

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        # One entry per save, written once the many-to-many fields are saved too.
        stored = type(obj)._default_manager.get(pk=obj.pk) if change else None
        obj._audit_before = self._snapshot(stored) if stored else None  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: list, change: bool) -> None:
        # Inline rows lose their keys when deleted: their effects are enqueued before.
        for formset in formsets:
            for inline_form in formset.deleted_forms:
                if inline_form.instance.pk is not None:
                    record_changed(instance=inline_form.instance)
        super().save_related(request, form, formsets, change)
        obj = form.instance
        audit_record(
            actor=request.user,
            action=f"{obj._meta.model_name}.{'update' if change else 'create'}",
            instance=obj,
            before=getattr(obj, "_audit_before", None),
            after=self._snapshot(obj),
        )
        record_changed(instance=obj)
        for formset in formsets:
            for inline in [*formset.new_objects, *(saved for saved, _ in formset.changed_objects)]:
                record_changed(instance=inline)

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        audit_record(
            actor=request.user,
            action=f"{obj._meta.model_name}.delete",
            instance=obj,
            before=self._snapshot(obj),
        )
        record_changed(instance=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def _snapshot(self, obj: Model) -> dict[str, Any]:
        snapshot = audit_snapshot(obj)
        for name in self.audited_m2m:
            snapshot[name] = sorted(getattr(obj, name).values_list("pk", flat=True))
        return snapshot
