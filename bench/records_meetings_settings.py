"""Settings of the records benchmark server: the real settings, plus the hand-written JSON view
it is compared with and a header that counts each request's database queries."""

from backend.settings import *  # noqa: F403

ROOT_URLCONF = "bench.records_meetings_urls"
MIDDLEWARE = ["bench.records_meetings_urls.QueryCountMiddleware", *MIDDLEWARE]  # noqa: F405
