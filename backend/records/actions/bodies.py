"""Bodies: the councils, committees and boards whose records are kept."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from backend.audit.actions import audit_snapshot
from backend.common.errors import ActionError, FieldError
from backend.records.actions.base import (
    Codes,
    audit,
    check_choice,
    check_text,
    raise_if,
    require_actor,
)
from backend.records.effects import record_changed
from backend.records.models import Body
from backend.records.selectors import user_administers_records

BODY_FIELDS = {
    "name": "name",
    "classification": "classification",
    "description": "description",
    "active": "active",
}


def _clean_body(values: dict[str, Any]) -> dict[str, Any]:
    errors: list[FieldError] = []
    cleaned = {
        "name": check_text(
            errors, values["name"], field="name", label="Name", max_length=200, required=True
        ),
        "classification": check_choice(
            errors, values["classification"], choices=Body.Classification, field="classification"
        ),
        "description": check_text(
            errors, values["description"], field="description", label="Description"
        ),
        "active": values["active"],
    }
    if not isinstance(cleaned["active"], bool):
        errors.append(FieldError(Codes.INVALID, "Active is true or false.", "active"))
    raise_if(errors)
    return cleaned


@transaction.atomic
def body_update(*, actor: Any, body: Body, **changes: Any) -> Body:
    """Change a body's details; fields not given stay as they are. Administrators only.

    Its meetings, agenda items and documents carry its name in the search index, and its members
    name it: a change re-indexes all of them.
    """
    require_actor(actor)
    if not user_administers_records(user=actor):
        raise ActionError.single(Codes.PERMISSION_DENIED, "Only administrators change bodies.")
    unknown = sorted(set(changes) - set(BODY_FIELDS))
    if unknown:
        raise ActionError(
            [FieldError(Codes.INVALID, f"{name} cannot be changed here.", name) for name in unknown]
        )
    body = Body.objects.select_for_update().get(pk=body.pk)
    before = audit_snapshot(body)
    current = {name: getattr(body, name) for name in BODY_FIELDS}
    cleaned = _clean_body({**current, **changes})
    changed = [name for name in changes if cleaned[name] != current[name]]
    if not changed:
        return body
    for name in changed:
        setattr(body, name, cleaned[name])
    body.save(update_fields=[*changed, "updated_at"])
    audit(actor=actor, action="body.update", instance=body, before=before)
    record_changed(instance=body)
    return body
