"""Bearer-token authentication of receivers, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac

from otel_anonymizer.gateway.errors import Unauthenticated


def check_bearer(authorization: str | None, token: str | None) -> None:
    """Raise `Unauthenticated` unless `authorization` is `Bearer <token>` (no-op without token).

    Both sides are hashed first, so the comparison takes the same time whatever the
    length or content of what the client sent.
    """
    if token is None:
        return
    scheme, _, presented = (authorization or "").strip().partition(" ")
    expected = hashlib.sha256(token.encode()).digest()
    actual = hashlib.sha256(presented.strip().encode()).digest()
    if not (hmac.compare_digest(expected, actual) and scheme.lower() == "bearer"):
        raise Unauthenticated("missing or invalid bearer token")
