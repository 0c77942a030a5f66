"""With production settings, `manage.py check --deploy` reports nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECURE_SSL_REDIRECT", "SECURE_COOKIES", "SECURE_HSTS_SECONDS"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="backend.settings",
        SECRET_KEY="".join(chr(33 + (i * 7) % 90) for i in range(64)),
        ALLOWED_HOSTS="api.town.example",
        IDP_OIDC_PRIVATE_KEY=settings.IDP_OIDC_PRIVATE_KEY,
        VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "SECRET_KEY"}}
    env.update(DJANGO_SETTINGS_MODULE="backend.settings", VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_run_without_a_signing_key_for_the_identity_provider(
    tmp_path: Path,
) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "IDP_OIDC_PRIVATE_KEY"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="backend.settings",
        SECRET_KEY="".join(chr(33 + (i * 7) % 90) for i in range(64)),
        VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "(accounts.E001) IDP_OIDC_PRIVATE_KEY is not set" in result.stderr
    # No key is made up on disk outside development.
    assert list(tmp_path.iterdir()) == []


def test_development_generates_one_signing_key_under_var_and_keeps_it(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "IDP_OIDC_PRIVATE_KEY"}
    env.update(DJANGO_SETTINGS_MODULE="backend.settings", DEBUG="1", VAR_DIR=str(tmp_path))
    command = [
        sys.executable,
        "-c",
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.IDP_OIDC_PRIVATE_KEY)",
    ]

    def key_seen() -> str:
        result = subprocess.run(
            command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    first = key_seen()
    key_file = tmp_path / "oidc-private-key.pem"
    assert first.startswith("-----BEGIN PRIVATE KEY-----")
    assert key_file.read_text().strip() == first
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_seen() == first
