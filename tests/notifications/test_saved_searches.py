"""Saved searches: saving them, and hearing once of each newly published record that matches."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from backend.accounts.models import User
from backend.accounts.roles import Role
from backend.notifications.models import Event, Notification, SavedSearch, SavedSearchMatch
from backend.notifications.saved_searches import (
    SAVED_SEARCH_MATCH,
    saved_search_create,
    saved_searches_match_now,
)
from backend.records.actions import (
    agenda_item_create,
    agenda_item_update,
    meeting_create,
    meeting_publish,
    meeting_unpublish,
)
from backend.records.documents import document_upload
from backend.records.models import AgendaItem, Body, Document, Meeting
from backend.search.actions import search_entry_refresh, search_index_rebuild
from tests.conftest import app_login, graphql, user_create
from tests.notifications.conftest import global_id
from tests.notifications.test_live import close, next_notification, open_socket, subscribe
from tests.search.conftest import index_work_run

FIXTURES = Path(__file__).resolve().parents[2] / "backend" / "records" / "fixtures" / "meetings"
# Its text layer names the meeting place, "740 N. Sedgwick St, 4th Floor Boardroom".
SCHEDULE_PDF = FIXTURES / "chicago-human-relations-agenda.pdf"

CREATE = """
mutation ($input: SavedSearchCreateInput!) {
  savedSearchCreate(input: $input) {
    savedSearch { id name query filter { kinds bodies } lastMatchedAt }
    errors { code field }
  }
}
"""
DELETE = "mutation ($id: ID!) { savedSearchDelete(id: $id) { deletedId errors { code field } } }"
LIST = "{ savedSearches { id name query filter { kinds bodies } } }"
NODE = "query ($id: ID!) { node(id: $id) { id ... on SavedSearch { query } } }"
INBOX = "{ notifications { totalCount nodes { kind title text subjectId } } }"


# -- the world ------------------------------------------------------------------------------


def body_with_clerk(name: str = "Transportation Committee", slug: str = "transport"):
    body = Body.objects.create(name=name, slug=slug, classification="committee")
    clerk = user_create(f"clerk-{slug}@example.org", Role.CLERK, mfa=True, is_staff=True)
    body.clerks.add(clerk)
    return body, clerk


def draft_meeting(body: Body, clerk: User, *items: tuple[str, bool]) -> Meeting:
    """A draft meeting with agenda items given as (title, closed session)."""
    meeting = meeting_create(
        actor=clerk,
        body=body,
        title="Regular meeting",
        starts_at=timezone.now() + dt.timedelta(days=5),
    )
    for title, closed in items:
        agenda_item_create(
            actor=clerk, meeting=meeting, title=title, kind="report", is_closed_session=closed
        )
    return meeting


def save(user: User, query: str, **extra) -> SavedSearch:
    return saved_search_create(user=user, query=query, **extra)


def matches_of(user: User) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind=SAVED_SEARCH_MATCH).order_by("pk"))


def match_tasks() -> int:
    return DBTaskResult.objects.filter(task_path__endswith="saved_searches_match_task").count()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# -- saving, listing, deleting --------------------------------------------------------------


@pytest.mark.django_db
def test_save_list_and_delete_a_search(resident) -> None:
    body = Body.objects.create(name="Parks Board", slug="parks", classification="board")
    client = Client()
    token = app_login(client, resident.email)
    created = graphql(
        client,
        CREATE,
        {
            "input": {
                "query": "  bike   lanes ",
                "filter": {"kinds": ["agenda_item", "document"], "bodies": [str(body.pk)]},
            }
        },
        token=token,
    )["data"]["savedSearchCreate"]
    assert created["errors"] == []
    saved = created["savedSearch"]
    stored = SavedSearch.objects.get()
    assert saved == {
        "id": global_id("SavedSearch", stored.pk),
        "name": "bike lanes",
        "query": "bike   lanes",
        "filter": {"kinds": ["agenda_item", "document"], "bodies": [str(body.pk)]},
        "lastMatchedAt": None,
    }
    # The same search typed differently is the same saved search.
    again = graphql(
        client,
        CREATE,
        {
            "input": {
                "query": "Lanes BIKE",
                "name": "Cycling",
                "filter": {"kinds": ["document", "agenda_item"], "bodies": [str(body.pk)]},
            }
        },
        token=token,
    )["data"]["savedSearchCreate"]
    assert again["errors"] == [] and again["savedSearch"]["id"] == saved["id"]
    assert SavedSearch.objects.count() == 1
    # Another filter makes another search.
    other = graphql(client, CREATE, {"input": {"query": "bike lanes"}}, token=token)
    assert other["data"]["savedSearchCreate"]["savedSearch"]["filter"] == {
        "kinds": [],
        "bodies": [],
    }

    listed = graphql(client, LIST, token=token)["data"]["savedSearches"]
    assert [item["id"] for item in listed] == [
        other["data"]["savedSearchCreate"]["savedSearch"]["id"],
        saved["id"],
    ]
    deleted = graphql(client, DELETE, {"id": saved["id"]}, token=token)["data"]
    assert deleted["savedSearchDelete"] == {"deletedId": saved["id"], "errors": []}
    assert [item["id"] for item in graphql(client, LIST, token=token)["data"]["savedSearches"]] == [
        other["data"]["savedSearchCreate"]["savedSearch"]["id"]
    ]
    again = graphql(client, DELETE, {"id": saved["id"]}, token=token)["data"]
    assert again["savedSearchDelete"] == {
        "deletedId": None,
        "errors": [{"code": "NOT_FOUND", "field": "id"}],
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("search", "errors"),
    [
        ({"query": ""}, [{"code": "REQUIRED", "field": "query"}]),
        ({"query": "   "}, [{"code": "REQUIRED", "field": "query"}]),
        # Punctuation alone, or excluded words alone, look for nothing.
        ({"query": "?! ()"}, [{"code": "REQUIRED", "field": "query"}]),
        ({"query": "-budget"}, [{"code": "REQUIRED", "field": "query"}]),
        ({"query": "budget " * 100}, [{"code": "TOO_LONG", "field": "query"}]),
        ({"query": "budget", "name": "n" * 101}, [{"code": "TOO_LONG", "field": "name"}]),
        (
            {"query": "budget", "filter": {"kinds": ["person"]}},
            [{"code": "INVALID", "field": "filter.kinds"}],
        ),
        (
            {"query": "budget", "filter": {"bodies": ["999999"]}},
            [{"code": "INVALID", "field": "filter.bodies"}],
        ),
        (
            {"query": "budget", "filter": {"bodies": ["Body:1"]}},
            [{"code": "INVALID", "field": "filter.bodies"}],
        ),
        (
            {"query": "", "name": "n" * 101, "filter": {"kinds": ["meeting", "nonsense"]}},
            [
                {"code": "REQUIRED", "field": "query"},
                {"code": "TOO_LONG", "field": "name"},
                {"code": "INVALID", "field": "filter.kinds"},
            ],
        ),
    ],
)
def test_a_bad_search_is_refused_and_nothing_is_saved(resident, search, errors) -> None:
    client = Client()
    token = app_login(client, resident.email)
    result = graphql(client, CREATE, {"input": search}, token=token)["data"]["savedSearchCreate"]
    assert result == {"savedSearch": None, "errors": errors}
    assert not SavedSearch.objects.exists()


@pytest.mark.django_db
def test_a_search_of_exactly_the_length_limit_is_saved(resident) -> None:
    saved = save(resident, "b" * 500)
    assert len(saved.query) == 500


@pytest.mark.django_db
def test_anonymous_can_neither_save_nor_list_nor_delete(resident) -> None:
    saved = save(resident, "budget")
    client = Client()
    result = graphql(client, CREATE, {"input": {"query": "budget"}})["data"]["savedSearchCreate"]
    assert result == {"savedSearch": None, "errors": [{"code": "UNAUTHENTICATED", "field": None}]}
    assert graphql(client, LIST)["data"]["savedSearches"] == []
    deleted = graphql(client, DELETE, {"id": global_id("SavedSearch", saved.pk)})["data"]
    assert deleted["savedSearchDelete"]["errors"] == [{"code": "UNAUTHENTICATED", "field": None}]
    assert graphql(client, NODE, {"id": global_id("SavedSearch", saved.pk)})["data"] == {
        "node": None
    }
    assert SavedSearch.objects.count() == 1


@pytest.mark.django_db
def test_the_cap_on_saved_searches(resident, settings) -> None:
    settings.NOTIFICATIONS_MAX_SAVED_SEARCHES = 2
    client = Client()
    token = app_login(client, resident.email)
    for query in ("budget", "bike lanes"):
        result = graphql(client, CREATE, {"input": {"query": query}}, token=token)
        assert result["data"]["savedSearchCreate"]["errors"] == []
    third = graphql(client, CREATE, {"input": {"query": "parking"}}, token=token)
    assert third["data"]["savedSearchCreate"] == {
        "savedSearch": None,
        "errors": [{"code": "LIMIT_REACHED", "field": None}],
    }
    # Saving one already saved is not a new one: it is returned, even at the cap.
    again = graphql(client, CREATE, {"input": {"query": "BUDGET"}}, token=token)
    assert again["data"]["savedSearchCreate"]["errors"] == []
    assert sorted(SavedSearch.objects.values_list("query", flat=True)) == ["bike lanes", "budget"]


@pytest.mark.django_db
def test_nobody_sees_or_deletes_another_users_saved_search(resident, other_resident) -> None:
    theirs = save(resident, "bike lanes")
    theirs_id = global_id("SavedSearch", theirs.pk)
    client = Client()
    token = app_login(client, other_resident.email)
    assert graphql(client, LIST, token=token)["data"]["savedSearches"] == []
    assert graphql(client, NODE, {"id": theirs_id}, token=token)["data"] == {"node": None}
    deleted = graphql(client, DELETE, {"id": theirs_id}, token=token)["data"]
    assert deleted["savedSearchDelete"] == {
        "deletedId": None,
        "errors": [{"code": "NOT_FOUND", "field": "id"}],
    }
    # Another kind of ID naming the same number deletes nothing either.
    other_kind = graphql(client, DELETE, {"id": global_id("Meeting", theirs.pk)}, token=token)
    assert other_kind["data"]["savedSearchDelete"]["errors"] == [
        {"code": "NOT_FOUND", "field": "id"}
    ]
    assert SavedSearch.objects.filter(pk=theirs.pk, user=resident).exists()

    owner = Client()
    owner_token = app_login(owner, resident.email)
    node = graphql(owner, NODE, {"id": theirs_id}, token=owner_token)["data"]["node"]
    assert node == {"id": theirs_id, "query": "bike lanes"}


@pytest.mark.django_db
def test_listing_saved_searches_costs_the_same_queries_for_1_and_for_50(resident, settings) -> None:
    settings.NOTIFICATIONS_MAX_SAVED_SEARCHES = 50
    body = Body.objects.create(name="Parks Board", slug="parks", classification="board")
    client = Client()
    token = app_login(client, resident.email)

    def listed_with_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            count = len(graphql(client, LIST, token=token)["data"]["savedSearches"])
        return count, len(captured.captured_queries)

    save(resident, "word0", kinds=["document"], bodies=[str(body.pk)])
    one, queries_for_one = listed_with_queries()
    for number in range(1, 50):
        save(resident, f"word{number}", kinds=["document"], bodies=[str(body.pk)])
    fifty, queries_for_fifty = listed_with_queries()
    assert (one, fifty) == (1, 50)
    assert queries_for_one == queries_for_fifty


# -- hearing of newly published records -----------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_matching_agenda_item_reaches_the_owners_open_subscription_once() -> None:
    def world():
        body, clerk = body_with_clerk()
        owner = user_create("cyclist@example.org")
        bystander = user_create("bystander@example.org")
        saved = save(owner, "bike lanes", name="Bike lanes")
        save(bystander, "parking meters")
        meeting = draft_meeting(
            body, clerk, ("Protected bike lanes on Elm Street", False), ("Budget", False)
        )
        return body, clerk, owner, bystander, saved, meeting

    _body, clerk, owner, bystander, saved, meeting = await sync_to_async(world)()
    token = await sync_to_async(app_login)(Client(), owner.email)
    socket = await open_socket(token)
    await subscribe(socket)
    await asyncio.sleep(0.1)  # the subscription has joined its group

    await sync_to_async(meeting_publish)(actor=clerk, meeting=meeting)
    await sync_to_async(index_work_run)()

    received = await next_notification(socket)
    assert received["kind"] == "saved_search_match"
    assert received["title"] == "New match for “Bike lanes”: Protected bike lanes on Elm Street"
    assert await socket.receive_nothing(timeout=0.3)

    def after_publishing():
        item = AgendaItem.objects.get(title__startswith="Protected")
        [notification] = matches_of(owner)
        assert notification.subject_id == item.pk
        assert notification.text == "Agenda item · Transportation Committee"
        assert matches_of(bystander) == []
        saved.refresh_from_db()
        assert saved.last_matched_at is not None
        return item

    item = await sync_to_async(after_publishing)()

    # Unpublishing and publishing again, editing, re-indexing: the match was announced already.
    def republish_and_reindex():
        meeting_unpublish(actor=clerk, meeting=meeting, reason="Wrong date")
        meeting_publish(actor=clerk, meeting=meeting)
        agenda_item_update(actor=clerk, item=item, description="Bike lanes, both directions.")
        index_work_run()
        search_entry_refresh(kind="agenda_item", object_id=str(item.pk))
        search_index_rebuild()
        index_work_run()
        assert saved_searches_match_now(kind="agenda_item", object_id=str(item.pk)) == []
        index_work_run()
        assert len(matches_of(owner)) == 1
        assert SavedSearchMatch.objects.count() == 1

    await sync_to_async(republish_and_reindex)()
    assert await socket.receive_nothing(timeout=0.3)
    await close(socket)


@pytest.mark.django_db
def test_the_owner_finds_the_match_in_the_inbox_with_its_subject(resident) -> None:
    body, clerk = body_with_clerk()
    save(resident, '"elm street"')
    meeting = draft_meeting(body, clerk, ("Crosswalk on Elm Street", False))
    meeting_publish(actor=clerk, meeting=meeting)
    index_work_run()
    item = AgendaItem.objects.get()
    client = Client()
    inbox = graphql(client, INBOX, token=app_login(client, resident.email))["data"]
    assert inbox["notifications"] == {
        "totalCount": 1,
        "nodes": [
            {
                "kind": "saved_search_match",
                "title": 'New match for “"elm street"”: Crosswalk on Elm Street',
                "text": "Agenda item · Transportation Committee",
                "subjectId": global_id("AgendaItem", item.pk),
            }
        ],
    }


@pytest.mark.django_db
def test_drafts_and_closed_sessions_are_never_announced(resident) -> None:
    body, clerk = body_with_clerk()
    save(resident, "bike lanes")
    draft = draft_meeting(body, clerk, ("Bike lanes on Elm Street", False))
    index_work_run()  # the draft is indexed for its clerks
    assert (
        saved_searches_match_now(kind="agenda_item", object_id=str(draft.agenda_items.get().pk))
        == []
    )

    closed = draft_meeting(body, clerk, ("Bike lanes land purchase", True), ("Roll call", False))
    meeting_publish(actor=clerk, meeting=closed)
    index_work_run()
    closed_item = closed.agenda_items.get(is_closed_session=True)
    assert saved_searches_match_now(kind="agenda_item", object_id=str(closed_item.pk)) == []
    assert matches_of(resident) == []
    assert not Event.objects.filter(kind=SAVED_SEARCH_MATCH).exists()
    assert not SavedSearchMatch.objects.exists()


@pytest.mark.django_db
def test_a_publish_that_matches_nothing_announces_nothing(resident) -> None:
    body, clerk = body_with_clerk()
    save(resident, "bike lanes")
    meeting = draft_meeting(body, clerk, ("Parking meters on Elm Street", False))
    meeting_publish(actor=clerk, meeting=meeting)
    index_work_run()
    assert match_tasks() >= 1  # the saved search was tested, and did not match
    assert matches_of(resident) == []
    assert not Event.objects.filter(kind=SAVED_SEARCH_MATCH).exists()


@pytest.mark.django_db
def test_the_filter_of_a_saved_search_is_respected(resident, other_resident) -> None:
    body, clerk = body_with_clerk()
    parks = Body.objects.create(name="Parks Board", slug="parks", classification="board")
    save(resident, "bike lanes", kinds=["document"])
    save(resident, "bike lanes", bodies=[str(parks.pk)])
    wanted = save(other_resident, "bike lanes", kinds=["agenda_item"], bodies=[str(body.pk)])
    meeting = draft_meeting(body, clerk, ("Bike lanes on Elm Street", False))
    meeting_publish(actor=clerk, meeting=meeting)
    index_work_run()
    assert matches_of(resident) == []
    assert len(matches_of(other_resident)) == 1
    assert list(SavedSearchMatch.objects.values_list("saved_search_id", flat=True)) == [wanted.pk]


@pytest.mark.django_db
def test_a_record_public_before_the_search_was_saved_is_not_new_to_it(resident) -> None:
    body, clerk = body_with_clerk()
    meeting = draft_meeting(body, clerk, ("Parking on Elm Street", False))
    meeting_publish(actor=clerk, meeting=meeting)
    index_work_run()
    save(resident, "bike lanes")
    item = meeting.agenda_items.get()
    # Edited to match, long after it became public: not a newly published record.
    agenda_item_update(actor=clerk, item=item, title="Bike lanes on Elm Street")
    index_work_run()
    assert matches_of(resident) == []
    # An item added to the published meeting now is new.
    agenda_item_create(actor=clerk, meeting=meeting, title="Bike lanes on Oak Street")
    index_work_run()
    assert [n.title for n in matches_of(resident)] == [
        "New match for “bike lanes”: Bike lanes on Oak Street"
    ]


@pytest.mark.django_db
def test_a_deleted_saved_search_hears_nothing_more(resident) -> None:
    body, clerk = body_with_clerk()
    saved = save(resident, "bike lanes")
    meeting = draft_meeting(body, clerk, ("Bike lanes on Elm Street", False))
    meeting_publish(actor=clerk, meeting=meeting)
    saved.delete()
    index_work_run()
    assert matches_of(resident) == []


def _run_ready_tasks(*, except_path: str) -> None:
    """Run the queued tasks except those whose path ends with ``except_path``."""
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    while (
        result := DBTaskResult.objects.ready().exclude(task_path__endswith=except_path).first()
    ) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
        result.refresh_from_db()
        assert result.status == "SUCCESSFUL", result.exception_class_path


@pytest.mark.django_db
def test_a_document_is_announced_once_its_extracted_text_matches(resident) -> None:
    body, clerk = body_with_clerk()
    meeting = draft_meeting(body, clerk)
    meeting_publish(actor=clerk, meeting=meeting)
    index_work_run()
    saved = save(resident, "sedgwick boardroom")
    document = document_upload(
        actor=clerk,
        meeting=meeting,
        agenda_item=None,
        title="Board meeting schedule",
        kind=Document.Kind.AGENDA,
        uploaded_file=SimpleUploadedFile(
            "schedule.pdf", SCHEDULE_PDF.read_bytes(), content_type="application/pdf"
        ),
    )
    # Indexed by its title while its text waits for extraction: no match yet.
    _run_ready_tasks(except_path="document_text_extract")
    document.refresh_from_db()
    assert document.text_status == Document.TextStatus.PENDING
    assert match_tasks() >= 1
    assert matches_of(resident) == []

    index_work_run()  # extraction, then the index work it causes, then the matching
    document.refresh_from_db()
    assert document.text_status == Document.TextStatus.EXTRACTED
    [notification] = matches_of(resident)
    assert notification.title == "New match for “sedgwick boardroom”: Board meeting schedule"
    assert notification.text == "Document · Transportation Committee"
    assert notification.subject_id == document.pk
    assert SavedSearchMatch.objects.get().saved_search_id == saved.pk

    # Extracting again changes nothing and announces nothing more.
    from backend.records.tasks import document_text_extract_now

    document_text_extract_now(document=document)
    Document.objects.filter(pk=document.pk).update(text="")
    document_text_extract_now(document=document)
    index_work_run()
    assert len(matches_of(resident)) == 1


@pytest.mark.django_db
def test_no_matching_work_is_queued_while_nobody_has_saved_a_search() -> None:
    body, clerk = body_with_clerk()
    meeting = draft_meeting(body, clerk, ("Bike lanes on Elm Street", False))
    meeting_publish(actor=clerk, meeting=meeting)
    index_work_run()
    assert match_tasks() == 0
