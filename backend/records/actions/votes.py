"""Votes: the motion, the result, and how each member voted."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import transaction
from django.db.models import Q

from backend.audit.actions import audit_snapshot
from backend.common.errors import FieldError
from backend.records.actions.base import (
    Codes,
    audit,
    check_choice,
    check_text,
    locked_meeting,
    meeting_touch,
    public_change,
    raise_if,
    require_meeting_editable,
)
from backend.records.models import AgendaItem, Membership, MemberVote, Vote


@transaction.atomic
def vote_record(
    *,
    actor: Any,
    agenda_item: AgendaItem,
    motion: str,
    result: str,
    member_votes: dict[int, str],
) -> Vote:
    """Record a vote on an item; the tallies are counted from the members' votes."""
    meeting = agenda_item.meeting
    require_meeting_editable(actor=actor, meeting=meeting, field="agendaItemId")
    errors: list[FieldError] = []
    motion = check_text(errors, motion, field="motion", label="The motion", required=True)
    result = check_choice(errors, result, choices=Vote.Result, field="result")
    values = {}
    for person_id, value in member_votes.items():
        values[int(person_id)] = check_choice(
            errors, value, choices=MemberVote.Value, field="memberVotes"
        )
    meeting_day = meeting.starts_at.date()
    members = set(
        Membership.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=meeting_day),
            body_id=meeting.body_id,
            person_id__in=values,
            start_date__lte=meeting_day,
        ).values_list("person_id", flat=True)
    )
    strangers = sorted(set(values) - members)
    if strangers:
        errors.append(
            FieldError(
                Codes.NOT_A_MEMBER,
                f"Not members of this body on the meeting day: {', '.join(map(str, strangers))}.",
                "memberVotes",
            )
        )
    raise_if(errors)
    meeting = locked_meeting(meeting)
    tally = Counter(values.values())
    vote = Vote.objects.create(
        agenda_item=agenda_item,
        motion=motion,
        result=result,
        yes_count=tally[MemberVote.Value.YES],
        no_count=tally[MemberVote.Value.NO],
        abstain_count=tally[MemberVote.Value.ABSTAIN],
        absent_count=tally[MemberVote.Value.ABSENT],
        recused_count=tally[MemberVote.Value.RECUSED],
    )
    MemberVote.objects.bulk_create(
        MemberVote(vote=vote, person_id=person_id, value=value)
        for person_id, value in values.items()
    )
    meeting_touch(meeting)
    audit(
        actor=actor,
        action="vote.record",
        instance=vote,
        before=None,
        after={
            "vote": audit_snapshot(vote),
            "member_votes": {str(person_id): value for person_id, value in sorted(values.items())},
        },
    )
    public_change(meeting=meeting, instances=[vote, meeting], was_public=False)
    return vote
