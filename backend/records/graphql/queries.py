from __future__ import annotations

from collections.abc import Iterable

import strawberry
import strawberry_django
from strawberry.types import Info
from strawberry_django.optimizer import optimize

from backend.common.graphql import DjangoField, ListConnection, NodeLookup
from backend.records.actions.base import town_time
from backend.records.graphql.inputs import MeetingFilter
from backend.records.graphql.types import BodyType, MeetingType, PersonType
from backend.records.models import Body, Meeting, Person


@strawberry.type
class RecordsQuery:
    @strawberry_django.connection(
        ListConnection[BodyType],
        description="Councils, committees and boards, by name.",
        field_cls=DjangoField,
    )
    def bodies(self) -> Iterable[Body]:
        return Body.objects.order_by("name", "id")

    @strawberry_django.field(description="One body by its slug; null when there is none.")
    def body(self, info: Info, slug: str) -> BodyType | None:
        return optimize(Body.objects.filter(slug=slug), info).first()

    @strawberry_django.connection(
        ListConnection[MeetingType],
        description="Meetings you may see, by start time (earliest first).",
        field_cls=DjangoField,
    )
    def meetings(self, filter: MeetingFilter | None = None) -> Iterable[Meeting]:
        # Who may see which meeting is MeetingType.get_queryset's work, applied to this field.
        queryset = Meeting.objects.all()
        if filter is not None:
            if filter.body is not None:
                queryset = queryset.filter(body__slug=filter.body)
            if filter.from_ is not None:
                queryset = queryset.filter(starts_at__gte=town_time(filter.from_))
            if filter.to is not None:
                queryset = queryset.filter(starts_at__lt=town_time(filter.to))
            if filter.status is not None:
                queryset = queryset.filter(status=filter.status)
        return queryset.order_by("starts_at", "id")

    meeting: MeetingType | None = strawberry_django.node(
        description="One meeting by its ID; null when it does not exist or you may not see it.",
        extensions=[NodeLookup()],
    )

    @strawberry_django.connection(
        ListConnection[PersonType],
        description="Members of the Town's bodies, by name.",
        field_cls=DjangoField,
    )
    def people(self) -> Iterable[Person]:
        return Person.objects.order_by("name", "id")
