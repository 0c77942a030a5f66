"""A clerk's whole round in a real headless Chromium against the real ASGI server.

Sign in to the admin (password, then the TOTP code), create a meeting with two agenda items and
a real PDF, publish it with the changelist action; then an anonymous GraphQL client sees it.
"""

from __future__ import annotations

import json
import os
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)

from backend.accounts.roles import Role
from backend.audit.models import AuditEntry
from backend.records.models import Body, Meeting
from tests.conftest import PASSWORD, totp_enable, user_create

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
AGENDA_PDF = (
    ROOT / "backend" / "records" / "fixtures" / "meetings" / "chicago-human-relations-agenda.pdf"
)
SCREENSHOTS = ROOT / "var" / "screenshots"
CLERK_EMAIL = "clerk@town.example"
MEETING_TITLE = "Regular Meeting of the Committee on Human Relations"

PUBLIC_MEETINGS = """
query {
  meetings(first: 10) {
    edges { node {
      id title status body { name }
      agendaItems { number title kind }
      documents { title kind sha256 pageCount }
    } }
  }
}
"""

pytestmark = pytest.mark.browser


def chromium_executable() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    reason = f"Chromium not installed at {CHROMIUM}: apt-get install chromium"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def clerk_round(base: str, secret: str, executable: str, screenshot: Path) -> str:
    """What the clerk does in the browser; returns the success message of the publish action.

    Runs in its own thread: Playwright's sync API runs an event loop, and Django refuses ORM
    calls from a thread with a running loop.
    """
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)

            page.goto(f"{base}/admin/")
            assert "/accounts/login/" in page.url
            page.fill("input[name=login]", CLERK_EMAIL)
            page.fill("input[name=password]", PASSWORD)
            page.get_by_role("button", name="Sign In").click()
            page.wait_for_url("**/accounts/2fa/authenticate/**")
            page.fill("input[name=code]", totp_code(secret))
            page.get_by_role("button", name="Sign In").click()
            page.wait_for_url(f"{base}/admin/")
            expect(page.get_by_role("link", name="Meetings")).to_be_visible()

            page.goto(f"{base}/admin/records/meeting/add/")
            page.select_option("select[name=body]", label="Committee on Human Relations")
            page.fill("input[name=title]", MEETING_TITLE)
            page.fill("input[name=starts_at_0]", "2024-05-09")
            page.fill("input[name=starts_at_1]", "15:30:00")
            page.fill("input[name=location]", "740 N. Sedgwick St, 4th Floor Boardroom")
            page.fill("input[name=agenda_items-0-number]", "1")
            page.fill("input[name=agenda_items-0-title]", "Call to order")
            page.fill("input[name=agenda_items-1-number]", "2")
            page.fill("input[name=agenda_items-1-title]", "Report on fair housing complaints")
            page.select_option("select[name=agenda_items-1-kind]", "report")
            page.set_input_files("input[name=documents-0-file]", AGENDA_PDF)
            page.fill("input[name=documents-0-title]", "Board meeting schedule")
            page.select_option("select[name=documents-0-kind]", "agenda")
            page.locator("input[name=_save]").click()

            page.wait_for_url(f"{base}/admin/records/meeting/")
            expect(page.locator(".messagelist")).to_contain_text("was added successfully")
            row = page.locator("#result_list tr", has_text=MEETING_TITLE)
            row.locator("input[name=_selected_action]").check()
            page.select_option("select[name=action]", "publish")
            page.locator("button[name=index]").click()
            message = page.locator(".messagelist .success")
            expect(message).to_contain_text("1 meeting published.")
            published = message.inner_text()

            row.locator("th a").click()
            expect(page.locator(".inline-group", has_text="publication history")).to_contain_text(
                "Published"
            )
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
            return published
        finally:
            browser.close()


def graphql_anonymous(base: str, query: str) -> dict:
    request = urllib.request.Request(
        f"{base}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_clerk_publishes_a_meeting_through_the_admin_in_a_browser(
    asgi_server: str, settings, tmp_path: Path
) -> None:
    executable = chromium_executable()
    pytest.importorskip("playwright.sync_api")
    settings.MEDIA_ROOT = tmp_path / "media"
    body = Body.objects.create(
        name="Committee on Human Relations", slug="human-relations", classification="committee"
    )
    Body.objects.create(name="Committee on Finance", slug="finance", classification="committee")
    clerk = user_create(CLERK_EMAIL, Role.CLERK, is_staff=True)
    secret = totp_enable(clerk)
    body.clerks.add(clerk)
    base = f"http://{asgi_server}"

    with ThreadPoolExecutor(max_workers=1) as browser_thread:
        message = browser_thread.submit(
            clerk_round, base, secret, executable, SCREENSHOTS / "records-clerk-publish.png"
        ).result(timeout=180)

    assert message == "1 meeting published."
    meeting = Meeting.objects.get()
    assert meeting.published_at is not None
    assert list(
        AuditEntry.objects.filter(object_id=str(meeting.pk), content_type__model="meeting")
        .order_by("id")
        .values_list("action", "actor__email")
    ) == [("meeting.create", CLERK_EMAIL), ("meeting.publish", CLERK_EMAIL)]

    result = graphql_anonymous(base, PUBLIC_MEETINGS)

    assert "errors" not in result, result
    (edge,) = result["data"]["meetings"]["edges"]
    node = edge["node"]
    assert node["title"] == MEETING_TITLE
    assert node["body"] == {"name": "Committee on Human Relations"}
    assert node["agendaItems"] == [
        {"number": "1", "title": "Call to order", "kind": "OTHER"},
        {"number": "2", "title": "Report on fair housing complaints", "kind": "REPORT"},
    ]
    (document,) = node["documents"]
    assert (document["title"], document["kind"]) == ("Board meeting schedule", "AGENDA")
    assert document["sha256"] == meeting.documents.get().sha256
