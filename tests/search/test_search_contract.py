"""The behaviour every search backend owes, run against each backend available here."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from pypdf import PdfReader

from backend.records.models import Meeting
from backend.search.backends.base import SearchFilters
from backend.search.selectors import search_run, search_suggest
from tests.conftest import user_create
from tests.search.conftest import (
    body_create,
    changed,
    document_create,
    index_work_run,
    item_create,
    meeting_create,
    person_create,
)

FIXTURES = Path(__file__).resolve().parents[2] / "backend" / "records" / "fixtures" / "meetings"
ANONYMOUS = AnonymousUser()


def found(text: str, *, viewer=ANONYMOUS, filters: SearchFilters | None = None, limit: int = 50):
    page = search_run(viewer=viewer, text=text, filters=filters or SearchFilters(), limit=limit)
    return page


def keys(page) -> list[tuple[str, str]]:
    return [(hit.kind, hit.object_id) for hit in page.hits]


def test_a_title_match_ranks_above_a_body_only_match(search_backend_name):
    council = body_create()
    meeting = meeting_create(council, "Regular meeting")
    in_body = item_create(
        meeting, "Reports from staff", "The treasurer presented the greenhouse figures."
    )
    in_title = item_create(meeting, "Greenhouse gas inventory", "Annual update.")
    changed(meeting)
    index_work_run()

    page = found("greenhouse")

    assert keys(page) == [("agenda_item", str(in_title.pk)), ("agenda_item", str(in_body.pk))]
    assert page.hits[0].score > page.hits[1].score


def test_a_phrase_matches_its_words_in_order_only(search_backend_name):
    meeting = meeting_create(body_create(), "Planning committee")
    together = item_create(meeting, "Amendment", "A new parking bylaw for the downtown.")
    apart = item_create(meeting, "Letters", "The bylaw on street parking was discussed.")
    changed(meeting)
    index_work_run()

    assert keys(found('"parking bylaw"')) == [("agenda_item", str(together.pk))]
    assert set(keys(found("parking bylaw"))) == {
        ("agenda_item", str(together.pk)),
        ("agenda_item", str(apart.pk)),
    }


def test_a_prefix_matches_longer_words(search_backend_name):
    meeting = meeting_create(body_create(), "Public works")
    item = item_create(meeting, "Infrastructure renewal plan")
    changed(meeting)
    index_work_run()

    assert keys(found("infrastruct*")) == [("agenda_item", str(item.pk))]
    assert keys(found("infrastruct")) == []


def test_stemming_finds_other_forms_of_a_word(search_backend_name):
    body = body_create("Library board")
    meeting = meeting_create(body, "Annual general meeting")
    changed(meeting)
    index_work_run()

    assert ("meeting", str(meeting.pk)) in keys(found("meetings"))


def test_accents_fold_both_ways(search_backend_name):
    meeting = meeting_create(body_create(), "Élection partielle du quartier 3")
    plain = meeting_create(body_create("Elections office"), "Election day staffing")
    changed(meeting, plain)
    index_work_run()

    assert ("meeting", str(meeting.pk)) in keys(found("election"))
    assert ("meeting", str(plain.pk)) in keys(found("élection"))


def test_facets_add_up_to_the_total(search_backend_name):
    council = body_create("Town Council")
    committee = body_create("Heritage Committee")
    first = meeting_create(council, "Heritage designation", day=datetime.date(2023, 3, 1))
    second = meeting_create(committee, "Heritage walk", day=datetime.date(2024, 6, 2))
    item_create(second, "Heritage plaques", "Heritage plaque programme.")
    document_create(first, "Heritage report", "The heritage register lists buildings.")
    changed(first, second, committee)
    index_work_run()

    page = found("heritage", limit=2)

    assert page.total == 5
    assert len(page.hits) == 2
    assert sum(count.count for count in page.by_kind) == page.total
    assert {(count.value, count.count) for count in page.by_kind} == {
        ("meeting", 2),
        ("agenda_item", 1),
        ("document", 1),
        ("body", 1),
    }
    assert {(count.label, count.count) for count in page.by_body} == {
        ("Town Council", 2),
        ("Heritage Committee", 3),
    }
    assert [(count.value, count.count) for count in page.by_year] == [("2024", 2), ("2023", 2)]


def test_filters_narrow_by_kind_body_and_date(search_backend_name):
    council = body_create("Town Council")
    committee = body_create("Heritage Committee")
    old = meeting_create(council, "Budget 2019", day=datetime.date(2019, 1, 10))
    new = meeting_create(committee, "Budget 2024", day=datetime.date(2024, 1, 10))
    item = item_create(new, "Budget adoption")
    changed(old, new)
    index_work_run()

    assert keys(found("budget", filters=SearchFilters(kinds=("agenda_item",)))) == [
        ("agenda_item", str(item.pk))
    ]
    assert set(keys(found("budget", filters=SearchFilters(body_ids=(council.pk,))))) == {
        ("meeting", str(old.pk))
    }
    recent = SearchFilters(date_from=datetime.date(2020, 1, 1), date_to=datetime.date(2024, 1, 10))
    assert set(keys(found("budget", filters=recent))) == {
        ("meeting", str(new.pk)),
        ("agenda_item", str(item.pk)),
    }


def test_pagination_returns_every_hit_exactly_once(search_backend_name):
    meeting = meeting_create(body_create(), "Snow clearing")
    items = [item_create(meeting, f"Snow route {number}", "snow " * number) for number in range(7)]
    changed(meeting)
    index_work_run()

    seen = []
    for offset in range(0, 9, 3):
        page = search_run(
            viewer=ANONYMOUS, text="snow", filters=SearchFilters(), offset=offset, limit=3
        )
        assert page.total == 8
        seen += keys(page)

    expected = {("agenda_item", str(item.pk)) for item in items} | {("meeting", str(meeting.pk))}
    assert len(seen) == 8
    assert set(seen) == expected


def test_a_word_only_inside_a_real_pdf_finds_that_document(search_backend_name):
    reader = PdfReader(FIXTURES / "chicago-human-relations-agenda.pdf")
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    assert "Sedgwick" in text
    meeting = meeting_create(body_create("Human Relations Commission"), "Monthly board meeting")
    document = document_create(meeting, "2019 schedule", text)
    changed(document)
    index_work_run()

    page = found("sedgwick")

    assert keys(page) == [("document", str(document.pk))]
    assert "<mark>Sedgwick</mark>" in page.hits[0].snippet


def test_unpublishing_removes_a_record_and_its_content_from_results(search_backend_name):
    meeting = meeting_create(body_create(), "Waterfront hearing")
    item = item_create(meeting, "Waterfront trail")
    document = document_create(meeting, "Waterfront study", "waterfront erosion")
    changed(meeting)
    index_work_run()
    assert len(found("waterfront").hits) == 3

    Meeting.objects.filter(pk=meeting.pk).update(published_at=None, revision=meeting.revision + 1)
    meeting.refresh_from_db()
    changed(meeting)
    index_work_run()

    assert found("waterfront").hits == []
    assert item.pk and document.pk


def test_a_draft_is_never_found_by_an_anonymous_user_but_its_clerk_finds_it(
    search_backend_name,
):
    body = body_create("Parks Board")
    other = body_create("Police Board")
    draft = meeting_create(body, "Skatepark proposal", published=False)
    item_create(draft, "Skatepark location")
    clerk = user_create("clerk@example.org", "clerk", mfa=True)
    body.clerks.add(clerk)
    other_clerk = user_create("other-clerk@example.org", "clerk", mfa=True)
    other.clerks.add(other_clerk)
    changed(draft)
    index_work_run()

    assert found("skatepark").hits == []
    assert found("skatepark", viewer=other_clerk).hits == []
    assert search_suggest(viewer=ANONYMOUS, prefix="skate") == []
    assert len(found("skatepark", viewer=clerk).hits) == 2


def test_closed_session_items_and_their_documents_are_never_found(search_backend_name):
    meeting = meeting_create(body_create(), "Council")
    closed = item_create(meeting, "Land acquisition", "Confidential parcel", is_closed_session=True)
    document_create(meeting, "Appraisal", "Confidential appraisal", agenda_item=closed)
    admin = user_create("admin@example.org", "administrator", mfa=True)
    changed(meeting)
    index_work_run()

    assert found("confidential").hits == []
    assert found("confidential", viewer=admin).hits == []
    assert found("acquisition", viewer=admin).hits == []


def test_bodies_and_people_are_found(search_backend_name):
    body = body_create("Accessibility Advisory Committee", description="Barrier-free design.")
    person = person_create("Mathilde Ouellet", title="Councillor", ward="Ward 4")
    changed(body, person)
    index_work_run()

    assert keys(found("accessibility")) == [("body", str(body.pk))]
    assert keys(found("ouellet")) == [("person", str(person.pk))]


def test_snippets_escape_html_but_keep_the_marks(search_backend_name):
    meeting = meeting_create(body_create(), "Hearing")
    item_create(
        meeting, "Correspondence", 'A letter <script>alert("x")</script> about lilacs & roses.'
    )
    changed(meeting)
    index_work_run()

    snippet = found("lilacs").hits[0].snippet

    assert "<mark>lilacs</mark>" in snippet
    # Backends may drop markup from snippets (PostgreSQL does) or escape it; never pass it on.
    unmarked = re.sub(r"</?mark>", "", snippet)
    assert "<" not in unmarked and ">" not in unmarked
    assert "&amp;" in snippet


def test_suggestions_are_titles_starting_with_the_words_typed(search_backend_name):
    body = body_create("Transit Commission")
    meetings = [meeting_create(body, f"Transit fares review {n}") for n in range(12)]
    other = meeting_create(body, "Bus shelters")
    changed(*meetings, other)
    index_work_run()

    suggestions = search_suggest(viewer=ANONYMOUS, prefix="transit fa")

    assert len(suggestions) == 10
    assert all(title.startswith("Transit fares review") for title in suggestions)
    assert search_suggest(viewer=ANONYMOUS, prefix="bus sh") == ["Bus shelters"]
    assert search_suggest(viewer=ANONYMOUS, prefix="") == []


@pytest.mark.parametrize(
    "text",
    [
        "cheese AND (",
        '"',
        '"unclosed phrase',
        "🧀🎉",
        "'; DROP TABLE search_searchentry; --",
        "title:x OR",
        "NEAR(a b)",
        "* - OR AND NOT",
        "-",
        "a" * 500,
        "ümlaut* \x00 \x02",
    ],
)
def test_any_input_returns_results_or_none(search_backend_name, text):
    meeting = meeting_create(body_create(), "Cheese festival")
    changed(meeting)
    index_work_run()

    page = found(text)

    assert page.total >= 0
    assert isinstance(search_suggest(viewer=ANONYMOUS, prefix=text), list)


def test_a_rolled_back_change_enqueues_nothing(search_backend_name):
    from django_tasks_db.models import DBTaskResult

    meeting = meeting_create(body_create(), "Orchard")
    with pytest.raises(RuntimeError), transaction.atomic():
        changed(meeting)
        raise RuntimeError
    assert DBTaskResult.objects.count() == 0

    changed(meeting)
    assert DBTaskResult.objects.count() == 1
