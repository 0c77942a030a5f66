"""The meeting workspace: a meeting with its agenda, documents and history on one page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from backend.audit.models import AuditEntry
from backend.common.errors import ActionError
from backend.records.actions import (
    agenda_item_create,
    agenda_item_update,
    meeting_cancel,
    meeting_create,
    meeting_postpone,
    meeting_publish,
    meeting_unpublish,
    meeting_update,
)
from backend.records.admin.base import (
    BodyScopedAdmin,
    EditableBodyFilter,
    PublishedFilter,
    RefusalsShownInline,
    audited_delete,
    copy_state,
    refusals_shown_on,
)
from backend.records.documents import PDF_MAGIC, document_upload
from backend.records.models import (
    AgendaItem,
    Document,
    Meeting,
    PublicationEvent,
)
from backend.records.selectors import bodies_editable_by

MEETING_FIELDS = (
    "body",
    "title",
    "starts_at",
    "ends_at",
    "location",
    "livestream_url",
    "video_url",
)
AGENDA_ITEM_FIELDS = (
    "number",
    "title",
    "kind",
    "is_closed_session",
    "description",
    "recommendation",
)
MEETING_UPDATABLE = MEETING_FIELDS[1:]
REASON_TEMPLATE = "admin/records/meeting/reason_confirmation.html"


class AgendaItemForm(forms.ModelForm):
    class Meta:
        model = AgendaItem
        fields = AGENDA_ITEM_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2, "cols": 30}),
            "recommendation": forms.Textarea(attrs={"rows": 2, "cols": 30}),
            "number": forms.TextInput(attrs={"size": 6}),
        }


class AgendaItemFormSet(BaseInlineFormSet):
    def save(self, commit: bool = True) -> list:
        raise NotImplementedError("Agenda items are saved through the records actions.")


class AgendaItemInline(RefusalsShownInline, admin.TabularInline):
    model = AgendaItem
    form = AgendaItemForm
    formset = AgendaItemFormSet
    fields = AGENDA_ITEM_FIELDS
    ordering = ["position", "id"]

    def get_extra(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        # Blank rows are there without JavaScript, so a new meeting's agenda fits one save.
        return 3 if obj is None else 1


class StoredDocumentFormSet(BaseInlineFormSet):
    def save(self, commit: bool = True) -> list:
        raise NotImplementedError("Documents are removed through the admin's audited delete.")


class DocumentInline(admin.TabularInline):
    """The meeting's documents as stored; new ones arrive through the upload rows below."""

    model = Document
    formset = StoredDocumentFormSet
    verbose_name_plural = "documents"
    fields = ["title", "kind", "agenda_item", "file_link", "text_status", "page_count", "size"]
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="file")
    def file_link(self, document: Document) -> str:
        if not document.pk:
            return "-"
        return format_html(
            '<a href="{}">{}</a>', document.file.url, document.original_filename or "PDF"
        )


class DocumentUploadForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ["file", "title", "kind", "agenda_item"]
        help_texts = {"title": "Defaults to the file name."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["file"].widget.attrs["accept"] = "application/pdf,.pdf"

    def clean_file(self) -> Any:
        uploaded = self.cleaned_data.get("file")
        if uploaded is not None and hasattr(uploaded, "seek"):
            uploaded.seek(0)
            head = uploaded.read(len(PDF_MAGIC))
            uploaded.seek(0)
            if head != PDF_MAGIC:
                raise forms.ValidationError(
                    "This file is not a PDF. Upload the document as a PDF file.", code="not_pdf"
                )
        return uploaded

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        uploaded = cleaned.get("file")
        if uploaded is not None and not cleaned.get("title"):
            cleaned["title"] = Path(uploaded.name or "document").stem[:300]
        return cleaned


class DocumentUploadFormSet(BaseInlineFormSet):
    def save(self, commit: bool = True) -> list:
        raise NotImplementedError("Documents are stored through document_upload.")


class DocumentUploadInline(RefusalsShownInline, admin.TabularInline):
    model = Document
    form = DocumentUploadForm
    formset = DocumentUploadFormSet
    verbose_name = "new document"
    verbose_name_plural = "upload documents (PDF)"
    fields = ["file", "title", "kind", "agenda_item"]
    can_delete = False
    extra = 1

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).none()

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)
        items = AgendaItem.objects.filter(meeting=obj) if obj else AgendaItem.objects.none()
        formset.form.base_fields["agenda_item"].queryset = items
        return formset


class PublicationEventInline(admin.TabularInline):
    """Publication history: read-only, written by the publish and unpublish actions."""

    model = PublicationEvent
    verbose_name_plural = "publication history"
    fields = ["at", "action", "reason", "actor"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("records.view_meeting")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=2000,
        help_text="Kept in the meeting's publication history and shown to the public.",
    )


@admin.register(Meeting)
class MeetingAdmin(BodyScopedAdmin):
    list_display = ["title", "body", "starts_at", "status", "is_published"]
    list_filter = [("body", EditableBodyFilter), "status", PublishedFilter]
    list_select_related = ["body"]
    search_fields = ["title", "location", "body__name"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at"]
    inlines = [AgendaItemInline, DocumentInline, DocumentUploadInline, PublicationEventInline]
    actions = ["publish", "unpublish", "cancel", "postpone"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ["status", "status_reason", "published_at", "revision", "audit_history"]
    fieldsets = [
        (None, {"fields": list(MEETING_FIELDS)}),
        ("Status", {"fields": ["status", "status_reason", "published_at", "revision"]}),
        ("Audit log", {"classes": ["collapse"], "fields": ["audit_history"]}),
    ]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        return self.fieldsets if obj else self.fieldsets[:1]

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list:
        if obj is None:
            return [AgendaItemInline, DocumentUploadInline]
        return self.inlines

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A meeting stays with the body it was created for.
        return [*self.readonly_fields, "body"] if obj else self.readonly_fields

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "body":
            kwargs["queryset"] = bodies_editable_by(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(boolean=True, description="published", ordering="published_at")
    def is_published(self, meeting: Meeting) -> bool:
        return meeting.is_published

    @admin.display(description="audit entries")
    def audit_history(self, meeting: Meeting) -> str:
        return audit_entries_html(meeting)

    # Saving through the actions.

    def save_model(self, request: HttpRequest, obj: Meeting, form: Any, change: bool) -> None:
        data = form.cleaned_data
        with refusals_shown_on(None):
            if not change:
                meeting = meeting_create(
                    actor=request.user, **{name: data.get(name) for name in MEETING_FIELDS}
                )
            else:
                changes = {
                    name: data[name] for name in form.changed_data if name in MEETING_UPDATABLE
                }
                if not changes:
                    return
                stored = Meeting.objects.get(pk=obj.pk)
                meeting = meeting_update(actor=request.user, meeting=stored, **changes)
        copy_state(obj, meeting)

    def save_related(self, request: HttpRequest, form: Any, formsets: list, change: bool) -> None:
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if isinstance(formset, AgendaItemFormSet):
            agenda_items_save(request=request, formset=formset, meeting=form.instance)
        elif isinstance(formset, DocumentUploadFormSet):
            documents_upload(request=request, formset=formset, meeting=form.instance)
        elif isinstance(formset, StoredDocumentFormSet):
            documents_delete(request=request, formset=formset, meeting=form.instance)

    def delete_model(self, request: HttpRequest, obj: Meeting) -> None:
        audited_delete(actor=request.user, instance=obj, meeting=None)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for meeting in queryset:
            audited_delete(actor=request.user, instance=meeting, meeting=None)

    # Changelist actions.

    @admin.action(description="Publish the selected meetings", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._apply(
            request,
            queryset,
            "published",
            lambda meeting: meeting_publish(actor=request.user, meeting=meeting),
        )

    @admin.action(description="Unpublish the selected meetings…", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._with_reason(
            request,
            queryset,
            action="unpublish",
            title="Unpublish meetings",
            explanation="These meetings will no longer be visible to the public. Why?",
            done="unpublished",
            function=meeting_unpublish,
        )

    @admin.action(description="Cancel the selected meetings…", permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._with_reason(
            request,
            queryset,
            action="cancel",
            title="Cancel meetings",
            explanation="These meetings will be marked cancelled. Why?",
            done="cancelled",
            function=meeting_cancel,
        )

    @admin.action(description="Postpone the selected meetings…", permissions=["change"])
    def postpone(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._with_reason(
            request,
            queryset,
            action="postpone",
            title="Postpone meetings",
            explanation="These meetings will be marked postponed. Why?",
            done="postponed",
            function=meeting_postpone,
        )

    def _with_reason(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        *,
        action: str,
        title: str,
        explanation: str,
        done: str,
        function: Callable[..., Meeting],
    ) -> HttpResponse | None:
        """Ask for the reason on a confirmation page, then apply the action to each meeting."""
        form = ReasonForm(request.POST if request.POST.get("confirm") else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            self._apply(
                request,
                queryset,
                done,
                lambda meeting: function(actor=request.user, meeting=meeting, reason=reason),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "explanation": explanation,
            "submit_label": title,
            "queryset": queryset,
            "form": form,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, REASON_TEMPLATE, context)

    def _apply(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        done: str,
        function: Callable[[Meeting], Any],
    ) -> None:
        succeeded = 0
        for meeting in queryset:
            try:
                function(meeting)
            except ActionError as error:
                self.message_user(request, f"{meeting}: {error}", messages.ERROR)
            else:
                succeeded += 1
        if succeeded:
            plural = "meeting" if succeeded == 1 else "meetings"
            self.message_user(request, f"{succeeded} {plural} {done}.", messages.SUCCESS)


def agenda_items_save(*, request: HttpRequest, formset: Any, meeting: Meeting) -> None:
    for form in formset.initial_forms:
        item = form.instance
        if formset.can_delete and formset._should_delete_form(form):
            if item.pk:
                formset.deleted_objects.append(item)
                audited_delete(actor=request.user, instance=item, meeting=meeting)
            continue
        changed = [name for name in form.changed_data if name in AGENDA_ITEM_FIELDS]
        if not changed:
            continue
        with refusals_shown_on(form.prefix):
            saved = agenda_item_update(
                actor=request.user,
                item=AgendaItem.objects.get(pk=item.pk),
                **{name: form.cleaned_data[name] for name in changed},
            )
        formset.changed_objects.append((saved, changed))
    for form in formset.extra_forms:
        if not form.has_changed() or (formset.can_delete and formset._should_delete_form(form)):
            continue
        data = form.cleaned_data
        with refusals_shown_on(form.prefix):
            saved = agenda_item_create(
                actor=request.user,
                meeting=meeting,
                title=data["title"],
                kind=data["kind"],
                number=data.get("number", ""),
                description=data.get("description", ""),
                recommendation=data.get("recommendation", ""),
                is_closed_session=data.get("is_closed_session", False),
            )
        formset.new_objects.append(saved)


def documents_upload(*, request: HttpRequest, formset: Any, meeting: Meeting) -> None:
    for form in formset.extra_forms:
        data = form.cleaned_data
        if not form.has_changed() or not data.get("file"):
            continue
        with refusals_shown_on(form.prefix):
            document = document_upload(
                actor=request.user,
                meeting=meeting,
                agenda_item=data.get("agenda_item"),
                title=data["title"],
                kind=data["kind"],
                uploaded_file=data["file"],
            )
        formset.new_objects.append(document)


def documents_delete(*, request: HttpRequest, formset: Any, meeting: Meeting) -> None:
    if not formset.can_delete:
        return
    for form in formset.initial_forms:
        if formset._should_delete_form(form) and form.instance.pk:
            formset.deleted_objects.append(form.instance)
            audited_delete(actor=request.user, instance=form.instance, meeting=meeting)


def audit_entries_html(meeting: Meeting) -> str:
    """The audit log of a meeting, its agenda items and its documents, newest first."""
    types = ContentType.objects.get_for_models(Meeting, AgendaItem, Document)
    item_ids = [str(pk) for pk in meeting.agenda_items.values_list("pk", flat=True)]
    document_ids = [str(pk) for pk in meeting.documents.values_list("pk", flat=True)]
    entries = (
        AuditEntry.objects.filter(
            Q(content_type=types[Meeting], object_id=str(meeting.pk))
            | Q(content_type=types[AgendaItem], object_id__in=item_ids)
            | Q(content_type=types[Document], object_id__in=document_ids)
        )
        .select_related("actor")
        .order_by("-at", "-id")[:100]
    )
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                f"{entry.at:%Y-%m-%d %H:%M:%S}",
                entry.actor or "system",
                entry.action,
                entry.object_repr,
                ", ".join(_changed_keys(entry.before, entry.after)),
            )
            for entry in entries
        ),
    )
    if not rows:
        return "No audit entries yet."
    return format_html(
        "<table><thead><tr><th>When</th><th>Who</th><th>Action</th><th>Record</th>"
        "<th>Changed</th></tr></thead><tbody>{}</tbody></table>",
        rows,
    )


def _changed_keys(before: Any, after: Any) -> list[str]:
    before, after = before or {}, after or {}
    ignored = {"updated_at", "revision"}
    keys = set(before) | set(after)
    return sorted(k for k in keys - ignored if before.get(k) != after.get(k))
