"""The web UI token of a job (no HTTP machinery imported: a master computes its UI's URL early)."""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["ui_token"]


def ui_token(secret: str) -> str:
    """The web UI token of a job: derived from its secret, so the secret itself never travels in URLs."""
    return hmac.new(secret.encode(), b"hama-web-ui-v1", hashlib.sha256).hexdigest()[:40]
