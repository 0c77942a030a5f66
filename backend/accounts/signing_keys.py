"""The RSA key that signs the OpenID Connect provider's ID tokens.

Imported by the settings, so it imports nothing from Django's app registry.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def private_key_pem_generate() -> str:
    """A fresh 2048-bit RSA private key, PEM (PKCS#8), as `openssl genpkey` writes it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode("ascii")


def development_private_key(path: Path) -> str:
    """The key kept at ``path`` (mode 0600), generated there the first time.

    Several processes start together (the server and its worker): the key is written to a
    temporary file and linked into place, so exactly one key wins and every process reads it.
    """
    if path.exists():
        return path.read_text()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(private_key_pem_generate())
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return path.read_text()


def private_key_problem(pem: str) -> str | None:
    """Why ``pem`` cannot sign tokens, or None when it is a usable RSA private key."""
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as error:
        return f"it is not an unencrypted PEM private key ({error})"
    if not isinstance(key, rsa.RSAPrivateKey):
        return "it is not an RSA key (ID tokens are signed with RS256)"
    if key.key_size < 2048:
        return f"the RSA key has {key.key_size} bits; use at least 2048"
    return None
