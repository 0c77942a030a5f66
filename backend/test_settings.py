"""Settings for the test suite: the real settings, with test-only secrets and fast hashing.

DATABASE_URL and REDIS_URL still come from the environment, so the same suite runs on SQLite
with the in-memory layer and on PostgreSQL with Redis.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("CORS_ALLOWED_ORIGINS", "https://app.town.example")
os.environ.setdefault("REDIS_PREFIX", f"town-test-{os.getpid()}")
if not os.environ.get("IDP_OIDC_PRIVATE_KEY"):
    # One signing key per test session, never written to disk; subprocesses inherit it.
    from backend.accounts.signing_keys import private_key_pem_generate

    os.environ["IDP_OIDC_PRIVATE_KEY"] = private_key_pem_generate()

from backend.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
