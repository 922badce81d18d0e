"""An exercise version that cannot be built for some students' params (stored before today's
validation, or broken by a param no validation drew): their page says so, never a 500; the
failure is built once and kept; the instructor's exercise page lists it."""

from __future__ import annotations

import textwrap

import pytest

from grader.services.assignments import assignment as assignments
from grader.services.exercises import library as exercises

BOMB = textwrap.dedent(
    """
    id: seed-bomb
    title: Broken for almost everyone
    statement: Differentiate $f$.
    variables:
      x: [0.5, 3]
    params:
      k: {int: [0, 100000]}
    define:
      f: x^2 + sqrt(-(((k - 1)*(k - 2))^2))
    parts:
      - id: a
        kind: expression
        of: f
        wrt: x
    """
)


@pytest.fixture
def bomb(web, monkeypatch):
    """The bomb stored as a version (as an older validation let it through), assigned."""
    from grader.engine import load_exercise

    monkeypatch.setattr(
        exercises,
        "check",
        lambda text, source="<upload>": (load_exercise(text, validated=True), []),
    )
    exercises.upload(web.svc, web.teacher.actor, BOMB)
    monkeypatch.undo()
    spec = {"exercise_id": "seed-bomb"}
    return assignments.create_assignment(web.svc, web.teacher.actor, web.course_id, spec)["id"]


def test_upload_refuses_the_bomb(web):
    from grader.services.errors import Invalid

    with pytest.raises(Invalid) as info:
        exercises.upload(web.svc, web.teacher.actor, BOMB)
    assert "for the params k = " in str(info.value.details)


def test_a_student_whose_params_break_the_exercise_is_told_not_served_a_500(
    bomb, pages, page_text, monkeypatch
):
    from grader.engine import instance as instance_module

    built = []
    original = instance_module.Instance.__init__
    monkeypatch.setattr(
        instance_module.Instance,
        "__init__",
        lambda self, *a, **k: (built.append(a), original(self, *a, **k))[1],
    )
    pages.sign_in(pages.world.student)
    for _ in range(3):
        response = pages.get(f"/assignments/{bomb}")
        assert response.status_code == 409
        text = page_text(response)
        assert "broken for your parameters" in text and "your instructor has been told" in text
        assert "k = " in text
    assert len(built) == 1  # built once, the failure answered from then on


def test_the_api_answers_the_same_with_a_stable_code(bomb, client, world):
    response = client.get(f"/api/v1/assignments/{bomb}", headers=world.student.headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "exercise_broken"


def test_the_instructor_sees_which_params_are_broken_on_the_exercise_page(bomb, pages, page_text):
    pages.sign_in(pages.world.student)
    pages.get(f"/assignments/{bomb}")
    pages.get(f"/assignments/{bomb}")
    pages.client.post("/logout", data={"csrf_token": pages.csrf()})
    pages.sign_in(pages.world.teacher)
    text = page_text(pages.get("/teach/exercises/seed-bomb/versions"))
    assert "Broken for some students" in text
    assert text.count("could not find 128 sample points") == 1  # one row per version and seed
