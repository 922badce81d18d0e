"""Exam time per student on the course's People page (#24): a time factor and extra minutes
for every timed exam of the course, as `PUT …/members/{username}/accommodations` sets them."""

from __future__ import annotations


def test_an_instructor_gives_a_student_exam_time_from_the_people_page(
    client, pages, web, page_text
):
    pages.sign_in(web.teacher)
    course = f"/teach/courses/{web.course_id}"
    people = pages.get(course).get_data(as_text=True)
    assert 'aria-label="Exam time for stu"' in people
    assert 'aria-label="Exam time for tess"' not in people  # students only
    form = page_text(pages.get(course + "/members/stu/accommodations"))
    assert "Exam time for stu" in form and "Time factor" in form
    saved = pages.post(
        course + "/members/stu/accommodations", {"time_factor": "1,5", "extra_minutes": "10"}
    )
    assert saved.status_code == 303
    assert saved.headers["Location"].endswith("#member-stu")
    shown = page_text(pages.get(saved.headers["Location"]))
    assert "Exam time for stu was saved." in shown and "exams: ×1.5 +10 min" in shown
    listed = client.get(f"/api/v1/courses/{web.course_id}/members", headers=web.teacher.headers)
    stu = next(m for m in listed.json["items"] if m["username"] == "stu")
    assert (stu["time_factor"], stu["extra_minutes"]) == (1.5, 10)
    again = page_text(pages.get(course + "/members/stu/accommodations"))
    assert 'value="1.5"' in pages.get(course + "/members/stu/accommodations").get_data(as_text=True)
    assert "Save exam time" in again
    cleared = pages.post(
        course + "/members/stu/accommodations", {"time_factor": "", "extra_minutes": ""}
    )
    assert cleared.status_code == 303
    assert "exams:" not in page_text(pages.get(course))


def test_wrong_exam_time_is_sent_back_with_the_reason(pages, web, page_text):
    pages.sign_in(web.teacher)
    url = f"/teach/courses/{web.course_id}/members/stu/accommodations"
    words = pages.post(url, {"time_factor": "double", "extra_minutes": "5"})
    assert words.status_code == 422
    text = page_text(words)
    assert "Time factor: “double” is not a number such as 1.5." in text
    assert 'value="double"' in words.get_data(as_text=True)  # what was typed stays
    big = pages.post(url, {"time_factor": "20", "extra_minutes": ""})
    assert big.status_code == 422 and "Time factor is from 1 to 10" in page_text(big)
    minutes = pages.post(url, {"time_factor": "", "extra_minutes": "1.5"})
    assert minutes.status_code == 422 and "is not a whole number" in page_text(minutes)


def test_only_the_courses_instructors_set_exam_time_and_only_for_students(pages, web):
    pages.sign_in(web.teacher)
    teacher_row = f"/teach/courses/{web.course_id}/members/tess/accommodations"
    assert pages.get(teacher_row).status_code == 404
    pages.post("/logout")
    pages.sign_in(web.student)
    url = f"/teach/courses/{web.course_id}/members/stu/accommodations"
    assert pages.get(url).status_code == 403
    assert pages.post(url, {"time_factor": "3"}).status_code == 403


def test_an_exams_own_time_for_a_student_is_set_in_their_record_and_kept_on_resave(
    client, pages, web, page_text
):
    """On an exam, the student's record offers their own time factor and extra minutes; the
    form shows the extension as it is, so saving it unchanged keeps every part of it."""
    from grader.services.assignments import assignment as assignments

    spec = {"exercise_id": "chain-rule-intro", "kind": "exam", "time_limit_minutes": 30}
    exam = assignments.create_assignment(web.svc, web.teacher.actor, web.course_id, spec)["id"]
    pages.sign_in(web.teacher)
    record = f"/teach/assignments/{exam}/students/stu"
    assert "Time factor for this exam" in page_text(pages.get(record))
    homework = f"/teach/assignments/{web.assignment_id}/students/stu"
    assert "Time factor for this exam" not in page_text(pages.get(homework))
    body = {"due_at": "", "extra_attempts": "1", "time_factor": "2", "extra_minutes": "5"}
    assert pages.post(record + "/extension", body).status_code == 303

    def extension() -> dict:
        book = client.get(
            f"/api/v1/courses/{web.course_id}/gradebook", headers=web.teacher.headers
        ).json
        stu = next(s for s in book["students"] if s["username"] == "stu")
        return stu["scores"][str(exam)]["extension"]

    given = extension()
    assert (given["time_factor"], given["extra_minutes"], given["extra_attempts"]) == (2.0, 5, 1)
    html = pages.get(record).get_data(as_text=True)
    assert 'id="time_factor" name="time_factor"' in html and 'value="2"' in html
    shown = {
        name: html.split(f'id="{name}" name="{name}"')[1].split('value="')[1].split('"')[0]
        for name in ("due_at", "extra_attempts", "time_factor", "extra_minutes")
    }
    assert pages.post(record + "/extension", shown).status_code == 303
    assert extension() == given  # saved unchanged: the same extension


def test_a_whole_class_extension_from_the_assignments_page(client, pages, web, page_text):
    pages.sign_in(web.teacher)
    edit = f"/teach/assignments/{web.assignment_id}/edit"
    assert "Extend for the whole class" in page_text(pages.get(edit))
    done = pages.post(
        f"/teach/assignments/{web.assignment_id}/extensions/all", {"due_at": "2030-05-01T12:00"}
    )
    assert done.status_code == 303
    text = page_text(pages.get(done.headers["Location"]))
    assert "1 student now has until 2030-05-01 12:00 UTC." in text
    mine = client.get(f"/api/v1/assignments/{web.assignment_id}", headers=web.student.headers)
    assert mine.json["due_at"] == "2030-05-01T12:00:00+00:00"
    empty = pages.post(f"/teach/assignments/{web.assignment_id}/extensions/all", {"due_at": ""})
    assert empty.status_code == 422 and "Give the new due date" in page_text(empty)


def test_the_exam_time_page_and_its_errors_are_in_chinese_for_a_chinese_reader(
    pages, web, page_text
):
    """The page and the reason a typed number is refused are worded in the reader's language."""
    pages.sign_in(web.teacher)
    url = f"/teach/courses/{web.course_id}/members/stu/accommodations"
    chinese = {"Accept-Language": "zh-CN"}
    assert "stu 的考试时间" in page_text(pages.get(url, headers=chinese))
    words = pages.post(url, {"time_factor": "double", "extra_minutes": ""}, headers=chinese)
    assert words.status_code == 422
    assert "时间系数：“double”不是 1.5 这样的数。" in page_text(words)
    minutes = pages.post(url, {"time_factor": "", "extra_minutes": "1.5"}, headers=chinese)
    assert "额外分钟数：“1.5”不是整数。" in page_text(minutes)
