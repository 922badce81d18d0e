"""The API requests written in docs/instructors.md run as written and succeed (so the doc
cannot drift): each ```http block is one request, sent with the course instructor's token."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "instructors.md"
BLOCK = re.compile(r"```http\n(.*?)```", re.S)


def documented_requests() -> list[tuple[str, str, dict[str, str], str]]:
    found = []
    for block in BLOCK.findall(DOC.read_text(encoding="utf-8")):
        head, _, body = block.partition("\n\n")
        first, *header_lines = head.strip().splitlines()
        method, target = first.split(" ", 1)
        headers = dict(line.split(": ", 1) for line in header_lines)
        found.append((method, target, headers, body))
    return found


REQUESTS = documented_requests()


def test_the_doc_shows_every_instructor_endpoint():
    targets = " ".join(target for _, target, _, _ in REQUESTS)
    for piece in (
        "members/import",
        "gradebook",
        "analytics",
        "extensions",
        "overrides",
        "validate",
        "preview",
        "versions",
        "diff",
        "copy",
        "/password",
        "statistics",
        "accommodations",
        "/exam",
        "questions=true",
        "gradebook/ann",
    ):
        assert piece in targets


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


def test_documented_requests_run_as_written_in_order(world, client):
    assert (world.course_id, world.assignment_id) == (1, 1)
    for method, target, headers, body in REQUESTS:
        response = client.open(
            target,
            method=method,
            headers={**world.teacher.headers, **headers},
            data=body.encode() if body else None,
        )
        assert response.status_code < 300, (method, target, response.get_data(as_text=True))
        if target.endswith("validate"):
            assert response.json == {"valid": True, "problems": []}
        if "dry_run=true" in target:
            assert [r["action"] for r in response.json["rows"]] == ["create", "create"]
        if "format=csv" in target:
            assert response.mimetype == "text/csv"
