from __future__ import annotations

import json
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.forms.models import model_to_dict

from backend.audit.models import AuditEntry


def audit_snapshot(instance: models.Model) -> dict[str, Any]:
    """The instance's concrete fields as JSON-safe values, for the before/after of an entry."""
    fields = instance._meta.concrete_fields
    # Files are recorded by their stored name; their contents are never opened here.
    data = model_to_dict(
        instance, fields=[field.name for field in fields if not isinstance(field, models.FileField)]
    )
    for field in fields:
        if isinstance(field, models.FileField):
            data[field.name] = getattr(instance, field.attname).name or None
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def audit_record(
    *,
    actor: Any,
    action: str,
    instance: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record a staff action; call it inside the transaction of the write it describes."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=str(instance.pk),
        object_repr=str(instance)[:300],
        before=before,
        after=after,
    )
