"""Instructor pages through the test client: courses, people, roster, assignments with time
zones, gradebook, a student's record, analytics, the library, the editor, preview, diff."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime

from grader.services.assignments import assignment as assignments
from grader.services.courses import course as courses
from grader.services.exercises import library as exercises
from grader.services.grading import submissions
from tests.helpers import FIXTURES

SQUARE = (FIXTURES / "scaled-square.yaml").read_text().replace("scaled-square", "web-square")
SQUARE = SQUARE.replace("Scaled square", "Web square")


def test_students_and_other_instructors_reach_no_instructor_page(pages, web):
    pages.sign_in(web.student)
    for url in (
        "/teach",
        f"/teach/courses/{web.course_id}",
        "/teach/exercises",
        f"/teach/courses/{web.course_id}/gradebook",
        f"/teach/assignments/{web.assignment_id}/analytics",
    ):
        assert pages.get(url).status_code == 403, url
    pages.post("/logout")
    pages.sign_in(web.other_teacher)
    for url in (
        f"/teach/courses/{web.course_id}",
        f"/teach/courses/{web.course_id}/gradebook",
        f"/teach/assignments/{web.assignment_id}/analytics",
        f"/teach/assignments/{web.assignment_id}/edit",
    ):
        assert pages.get(url).status_code == 403, url
    assert (
        pages.post(f"/teach/courses/{web.course_id}/members", {"username": "olga"}).status_code
        == 403
    )


def test_an_instructor_creates_renames_and_archives_a_course(pages, web, page_text):
    pages.sign_in(web.teacher)
    response = pages.post("/teach/courses", {"title": "Analysis II"})
    assert response.status_code == 303
    url = response.headers["Location"]
    assert "Analysis II" in page_text(pages.get(url))
    pages.post(url + "/settings", {"action": "rename", "title": "Analysis 2"})
    pages.post(url + "/settings", {"action": "archive"})
    index = page_text(pages.get("/teach"))
    assert "Analysis 2 archived" in index and "Calculus" in index


def test_people_are_added_and_removed_on_the_course_page(pages, web, page_text):
    pages.sign_in(web.teacher)
    url = f"/teach/courses/{web.course_id}"
    assert (
        pages.post(url + "/members", {"username": "otto", "role": "instructor"}).status_code == 303
    )
    text = page_text(pages.get(url))
    assert "otto instructor" in text
    pages.post(url + "/members/otto/remove")
    assert "otto" not in page_text(pages.get(url))


def test_a_roster_is_checked_then_imported_and_its_passwords_downloaded(pages, web, page_text):
    pages.sign_in(web.teacher)
    url = f"/teach/courses/{web.course_id}/roster"
    bad = "username,role\nann,student\nbob,wizard\n"
    checked = pages.post(url, {"roster": bad, "action": "import"})
    assert checked.status_code == 422
    assert "unknown role &#39;wizard&#39;" in page_text(
        checked
    ) and "nothing was imported" in page_text(checked)
    assert "At most 2,000 rows, of which at most 30 may give a password" in page_text(
        pages.get(f"/teach/courses/{web.course_id}")
    )
    good = "username,role,display_name\nann,student,Ann\nbob,student,\n"
    dry = pages.post(url, {"roster": good, "action": "check"})
    assert "every row is right" in page_text(dry) and "new account" in page_text(dry)
    members = courses.list_members(web.svc, web.teacher.actor, web.course_id, 200, 0).items
    assert "ann" not in {m.username for m in members}
    done = pages.post(url, {"roster": good, "action": "import"}).get_data(as_text=True)
    assert "2 change(s) made" in done and "Download initial passwords" in done
    import re

    passwords = re.findall(r'name="password" value="([^"]+)"', done)
    assert len(passwords) == 2
    download = pages.post(
        "/teach/credentials.csv", {"username": ["ann", "bob"], "password": passwords}
    )
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows == [["username", "password"], ["ann", passwords[0]], ["bob", passwords[1]]]
    pages.post("/logout")
    assert pages.post("/login", {"username": "ann", "password": passwords[0]}).status_code == 303


def test_a_roster_form_too_long_or_posted_during_another_import_says_why(pages, web, page_text):
    from grader.services.infra import leases

    pages.sign_in(web.teacher)
    url = f"/teach/courses/{web.course_id}/roster"
    huge = "username,role\n" + "a,student\n" * 20_001
    too_long = pages.post(url, {"roster": huge, "action": "check"})
    assert too_long.status_code == 422
    assert "over 200,000 characters, the most one form takes" in page_text(too_long)
    good = "username,role\nann,student\n"
    with leases.held(web.svc.db, [f"roster:course:{web.course_id}"], 60):
        busy = pages.post(url, {"roster": good, "action": "import"})
        assert busy.status_code == 409
        assert "Another roster import into this course is running" in page_text(busy)
        assert pages.post(url, {"roster": good, "action": "check"}).status_code == 200
    members = courses.list_members(web.svc, web.teacher.actor, web.course_id, 200, 0).items
    assert "ann" not in {m.username for m in members}
    assert pages.post(url, {"roster": good, "action": "import"}).status_code == 200


def test_a_new_assignment_reads_its_dates_in_the_courses_time_zone(pages, web, page_text):
    pages.sign_in(web.teacher)
    settings = f"/teach/courses/{web.course_id}/settings"
    assert (
        pages.post(settings, {"action": "time_zone", "time_zone": "Europe/Paris"}).status_code
        == 303
    )
    url = f"/teach/courses/{web.course_id}/assignments/new"
    form = page_text(pages.get(url))
    assert "Dates are in Europe/Paris, the course's time zone" in form
    assert '<option value="chain-rule-intro">' in pages.get(url).get_data(as_text=True)
    response = pages.post(
        url,
        {
            "exercise_id": "chain-rule-intro",
            "due_at": "2030-01-15T10:00",
            "max_attempts": "3",
            "late_penalty": "0.25",
            "show_answers": "after_due",
            "score_policy": "last",
        },
    )
    assert response.status_code == 303
    listing = assignments.list_for_course(web.svc, web.teacher.actor, web.course_id, 50, 0)
    new = listing["items"][-1]
    assert new["due_at"] == datetime(2030, 1, 15, 9, 0, tzinfo=UTC).isoformat()
    assert (new["max_attempts"], new["late_penalty"]) == (3, 0.25)
    assert (new["show_answers"], new["score_policy"]) == ("after_due", "last")
    edit = pages.get(f"/teach/assignments/{new['id']}/edit").get_data(as_text=True)
    assert 'value="2030-01-15T10:00"' in edit  # shown back in Paris time
    course = page_text(pages.get(f"/teach/courses/{web.course_id}"))
    assert "2030-01-15 10:00 Europe/Paris" in course and "after the due date" in course


def test_a_bad_time_zone_or_number_is_a_clear_error_and_nothing_is_created(pages, web, page_text):
    pages.sign_in(web.teacher)
    settings = f"/teach/courses/{web.course_id}/settings"
    bad_zone = pages.post(settings, {"action": "time_zone", "time_zone": "Mars/Olympus"})
    assert bad_zone.status_code == 422
    assert "Unknown time zone &#39;Mars/Olympus&#39;" in page_text(bad_zone)
    bad_course = pages.post("/teach/courses", {"title": "Elsewhere", "time_zone": "Mars/Olympus"})
    assert bad_course.status_code == 422
    url = f"/teach/courses/{web.course_id}/assignments/new"
    unknown = pages.post(url, {"exercise_id": "no-such-exercise"})
    assert unknown.status_code == 422 and "no exercise &#39;no-such-exercise&#39;" in page_text(
        unknown
    )
    bad_number = pages.post(url, {"exercise_id": "chain-rule-intro", "max_attempts": "lots"})
    assert bad_number.status_code == 422
    assert (
        assignments.list_for_course(web.svc, web.teacher.actor, web.course_id, 50, 0)["total"] == 1
    )


def test_editing_an_assignment_moves_it_to_a_new_version_and_regrades(pages, web, page_text):
    from tests.helpers import EXERCISE_YAML

    submissions.submit(web.svc, web.student.actor, web.assignment_id, {"dz": "4x"})
    exercises.upload(
        web.svc, web.teacher.actor, EXERCISE_YAML.replace("Chain rule", "The chain rule")
    )
    pages.sign_in(web.teacher)
    url = f"/teach/assignments/{web.assignment_id}/edit"
    assert "v2" in page_text(pages.get(url))
    response = pages.post(
        url,
        {
            "version": "2",
            "max_attempts": "5",
            "show_answers": "never",
            "score_policy": "best",
        },
    )
    assert response.status_code == 303 and "regraded=1" in response.headers["Location"]
    info = assignments.settings(web.svc, web.teacher.actor, web.assignment_id)
    assert info["version"] == 2 and info["show_answers"] == "never"
    assert "being regraded" in page_text(pages.get(response.headers["Location"]))


def _class_with_answers(web):
    for name in ("ann", "bob"):
        from tests.helpers import Person

        person = Person(web.svc, name, "student")
        courses.add_member(web.svc, web.teacher.actor, web.course_id, name, "student")
        submissions.submit(
            web.svc, person.actor, web.assignment_id, {"dz": "4x" if name == "ann" else "4*x"}
        )
    submissions.submit(
        web.svc,
        web.student.actor,
        web.assignment_id,
        {"dz-at-10": "200", "dz": "20x", "grad": ["20x"]},
    )


def test_gradebook_page_links_each_student_and_exports_csv(pages, web, page_text):
    _class_with_answers(web)
    pages.sign_in(web.teacher)
    url = f"/teach/courses/{web.course_id}/gradebook"
    text = page_text(pages.get(url))
    assert "ann" in text and "bob" in text and "stu" in text and "Total" in text
    exported = pages.get(url.replace("gradebook", "gradebook.csv"))
    rows = list(csv.reader(io.StringIO(exported.get_data().decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["ann", "bob", "stu"]
    per_submission = pages.get(f"/teach/assignments/{web.assignment_id}/submissions.csv")
    assert per_submission.mimetype == "text/csv" and b"4*x" in per_submission.get_data()


def test_a_students_record_takes_an_extension_and_an_override(pages, web, page_text):
    _class_with_answers(web)
    pages.sign_in(web.teacher)
    base = f"/teach/assignments/{web.assignment_id}/students/ann"
    assert "Counted score" in page_text(pages.get(base))
    pages.post(base + "/extension", {"due_at": "2031-05-01T12:00", "extra_attempts": "2"})
    pages.post(base + "/override", {"score": "2", "reason": "argued well in office hours"})
    text = page_text(pages.get(base))
    assert "extension due 2031-05-01 12:00 UTC +2 attempt(s)" in text
    assert "Reason: argued well in office hours" in text
    refused = pages.post(base + "/override", {"score": "99", "reason": "x"})
    assert refused.status_code == 422
    book = page_text(pages.get(f"/teach/courses/{web.course_id}/gradebook"))
    assert "override" in book and "extension" in book


def test_analytics_page_shows_the_distribution_chart_and_wrong_answer_groups(pages, web):
    _class_with_answers(web)
    pages.sign_in(web.teacher)
    html = pages.get(f"/teach/assignments/{web.assignment_id}/analytics").get_data(as_text=True)
    assert "<svg" in html and 'role="img"' in html and "<rect" in html
    assert "<code>4x</code>" in html or "<code>4*x</code>" in html
    assert "Students by score" in html
    # parts are named as students see them, never by internal ids
    assert "Part 1:" in html and "Part dz" not in html and "Part “dz”" not in html


def test_the_score_chart_labels_never_touch():
    from grader.web.instructor import chart

    for bins, top in ((10, 3.0), (20, 10.0), (5, 2.5), (10, 0.001)):
        edges = [top * i / bins for i in range(bins + 1)]
        ticks = chart({"counts": [1] * bins, "edges": edges})["ticks"]
        assert ticks[0]["text"] == "0" and ticks[-1]["text"] == f"{top:g}"
        for a, b in zip(ticks, ticks[1:], strict=False):
            assert a["x"] + a["half"] <= b["x"] - b["half"], (bins, top, a, b)


def test_library_search_upload_and_copy(pages, web, page_text):
    exercises.upload(web.svc, None, SQUARE.replace("web-square", "lib-square"))
    pages.sign_in(web.teacher)
    found = page_text(pages.get("/teach/exercises", query_string={"q": "SQUARE"}))
    assert "lib-square" in found and "chain-rule-intro" not in found
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("one.yaml", SQUARE.replace("web-square", "zip-one"))
        z.writestr("broken.yaml", SQUARE.replace("define:\n  y: a*x^2", "define:\n  y: a*x^^2"))
    files = [
        (io.BytesIO(SQUARE.encode()), "square.yaml"),
        (archive.getvalue() and io.BytesIO(archive.getvalue()), "more.zip"),
    ]
    response = pages.post(
        "/teach/exercises/upload", {"files": files}, content_type="multipart/form-data"
    )
    report = page_text(response)
    assert response.status_code == 422  # one file was refused; the others were saved
    assert "square.yaml : new exercise web-square v1" in report
    assert "one.yaml : new exercise zip-one v1" in report
    assert "broken.yaml : not saved" in report and "line 10" in report
    copied = pages.post("/teach/exercises/lib-square/copy", {"new_id": "my-lib-square"})
    assert copied.status_code == 303 and copied.headers["Location"].endswith(
        "/teach/exercises/my-lib-square/edit"
    )


def test_the_editor_shows_a_problem_at_its_line_then_saves_a_version(pages, web, page_text):
    pages.sign_in(web.teacher)
    broken = SQUARE.replace('reject: ["a x"]', 'reject: ["2*a*x"]')
    response = pages.post("/teach/exercises/edit", {"yaml": broken, "action": "save"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    line = broken.splitlines().index('      reject: ["2*a*x"]') + 1
    assert f'<li id="line-{line}" class="bad">' in html
    assert "was accepted" in page_text(response) and "nothing was saved" in page_text(response)
    checked = pages.post("/teach/exercises/edit", {"yaml": SQUARE, "action": "check"})
    assert "No problems" in page_text(checked)
    saved = pages.post("/teach/exercises/edit", {"yaml": SQUARE, "action": "save"})
    assert saved.status_code == 303 and "saved=1" in saved.headers["Location"]
    pages.post(
        "/teach/exercises/edit",
        {
            "yaml": SQUARE.replace("Web square", "Web squares"),
            "action": "save",
            "slug": "web-square",
        },
    )
    versions = page_text(pages.get("/teach/exercises/web-square/versions"))
    assert "v2 Web squares tess" in versions
    diff = page_text(
        pages.get("/teach/exercises/web-square/diff", query_string={"from": 1, "to": 2})
    )
    assert "removed title: Web square" in diff and "added title: Web squares" in diff


def test_preview_shows_two_seeds_side_by_side_with_different_params(pages, web):
    exercises.upload(web.svc, web.teacher.actor, SQUARE)
    pages.sign_in(web.teacher)
    html = pages.get(
        "/teach/exercises/web-square/preview", query_string={"seed": 1, "other": 2}
    ).get_data(as_text=True)
    params = [
        exercises.preview(web.svc, web.teacher.actor, "web-square", s)["params"]["a"]
        for s in (1, 2)
    ]
    assert params[0] != params[1]
    assert f"<code>a = {params[0]}</code>" in html and f"<code>a = {params[1]}</code>" in html
    assert "Self-tests: all pass" in html and "(from the self-tests)" in html
    # the correct answer as this seed's student would write it: a's value, not the name a
    answers = [chunk.split("</p>")[0] for chunk in html.split("Correct answer:")[1:]]
    assert answers and all("<mi>a</mi>" not in a for a in answers), answers
    assert f"<mn>{params[0]}</mn>" in answers[0]
    assert html.count("the student's answer box") == 2  # one box per seed, as they see it


def test_an_instructor_trying_the_assignment_makes_previews_marked_and_not_counted(
    pages, web, page_text
):
    pages.sign_in(web.teacher)
    for n in range(7):  # more than max_attempts: previews have no limit
        assert pages.submit({"answer-dz-0": f"{n}x"}).status_code == 303
    history = page_text(pages.get(f"/assignments/{web.assignment_id}/submissions"))
    assert history.count("preview: not counted") == 7
    book = page_text(pages.get(f"/teach/courses/{web.course_id}/gradebook"))
    assert "tess" not in book.split("Total", 1)[1]
    stats = courses.overview(web.svc, web.teacher.actor)[0]["assignments"][0]
    assert stats["submissions"] == 0


def test_moving_the_due_date_in_the_form_keeps_the_answer_a_student_saw(pages, web, page_text):
    """Past due with answers shown after it: the student sees the correct answer. The
    instructor moves the due date a week later in the edit form; the student still sees it
    on the exercise page, and the page names no extension for them (#20 item 2)."""
    from datetime import UTC, datetime, timedelta

    from grader.services import timezones

    past = datetime.now(UTC) - timedelta(hours=2)
    changes = {"show_answers": "after_due", "due_at": past, "late_penalty": 0.5}
    assignments.update_assignment(web.svc, web.teacher.actor, web.assignment_id, changes)
    assert assignments.view(web.svc, web.student.actor, web.assignment_id)["answers_visible"]
    pages.sign_in(web.teacher)
    later = timezones.to_input(past + timedelta(days=7), "UTC")
    moved = pages.post(
        f"/teach/assignments/{web.assignment_id}/edit",
        {
            "due_at": later,
            "max_attempts": "5",
            "late_penalty": "0.5",
            "show_answers": "after_due",
            "score_policy": "best",
        },
    )
    assert moved.status_code == 303
    seen = assignments.view(web.svc, web.student.actor, web.assignment_id)
    assert seen["due_at"].startswith(later[:10]) and seen["answers_visible"] is True
    pages.sign_in(web.student)
    text = page_text(pages.get(f"/assignments/{web.assignment_id}"))
    assert "extended for you" not in text
