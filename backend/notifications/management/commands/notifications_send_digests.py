from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from backend.common.errors import ActionError
from backend.notifications.emails import digests_send, yesterday_in_town


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--date is a day as YYYY-MM-DD, not {value!r}.") from error


class Command(BaseCommand):
    help = (
        "Send each user the daily digest of a day that has ended in the Town's time zone "
        "(default: yesterday). Running it again for the same day sends nothing new."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="The day, YYYY-MM-DD (default: yesterday).")

    def handle(self, *args: Any, date: str | None = None, **options: Any) -> None:
        day = _day(date) if date else yesterday_in_town()
        try:
            summary = digests_send(day=day)
        except ActionError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Digests of {summary.day.isoformat()}: {summary.digests} sent, "
            f"holding {summary.notifications} "
            f"notification{'' if summary.notifications == 1 else 's'}."
        )
        if summary.failures:
            raise CommandError(
                f"{summary.failures} digests could not be sent (see the log); "
                "run the command again for the same day to retry them."
            )
