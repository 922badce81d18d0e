"""Per-student parameters: a stable seed for each (student, assignment) from the server secret."""

from __future__ import annotations

import hashlib
import hmac


def student_seed(secret_key: str, student_id: int, assignment_id: int) -> int:
    """A 31-bit seed: the same on every visit, different between classmates."""
    message = f"seed:{student_id}:{assignment_id}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF
