"""The API in the user's language (#29): `PATCH /api/v1/users/me` saves it; feedback is worded
anew from its stored messages in the reader's language; `code`s stay as they are."""

from __future__ import annotations

ZH = {"Accept-Language": "zh-CN"}


def _graded(client, world, answers):
    url = f"/api/v1/assignments/{world.assignment_id}/submissions"
    sid = client.post(url, json={"answers": answers}, headers=world.student.headers).json["id"]
    world.grade_all()
    return f"/api/v1/submissions/{sid}"


def test_the_saved_language_is_checked_and_can_be_cleared(client, world):
    headers = world.student.headers
    saved = client.patch("/api/v1/users/me", json={"locale": "zh-CN"}, headers=headers)
    assert saved.status_code == 200 and saved.json["locale"] == "zh-CN"
    assert client.get("/api/v1/users/me", headers=headers).json["locale"] == "zh-CN"
    wrong = client.patch("/api/v1/users/me", json={"locale": "xx-YY"}, headers=headers)
    assert wrong.status_code == 422 and wrong.json["error"]["code"] == "invalid"
    assert "zh-CN" in wrong.json["error"]["message"]
    cleared = client.patch("/api/v1/users/me", json={"locale": None}, headers=headers)
    assert cleared.status_code == 200 and cleared.json["locale"] is None


def test_feedback_follows_accept_language_then_the_saved_choice(client, world):
    location = _graded(client, world, {"dz": "4x"})
    english = client.get(location, headers=world.student.headers).json["parts"]["dz"]
    assert "(chain rule)" in english["feedback"]
    chinese = client.get(location, headers={**world.student.headers, **ZH}).json["parts"]["dz"]
    assert "链式法则" in chinese["feedback"] and "链式法则" in chinese["feedback_html"]
    assert chinese["messages"] == english["messages"]  # the codes and arguments stay
    client.patch("/api/v1/users/me", json={"locale": "zh-CN"}, headers=world.student.headers)
    saved = client.get(location, headers={**world.student.headers, "Accept-Language": "en"})
    assert "链式法则" in saved.json["parts"]["dz"]["feedback"]


def test_the_value_where_the_feedback_points_is_worded_too(client, world):
    location = _graded(client, world, {"dz": "20 sin(x)"})
    part = client.get(location, headers={**world.student.headers, **ZH}).json["parts"]["dz"]
    assert "你的答案等于" in part["feedback"] and "该处的导数是" in part["feedback"]
    assert "expected_messages" not in part


def test_a_course_default_language_is_set_and_checked(client, world):
    url = f"/api/v1/courses/{world.course_id}"
    done = client.patch(url, json={"locale": "zh-CN"}, headers=world.teacher.headers)
    assert done.status_code == 200 and done.json["locale"] == "zh-CN"
    wrong = client.patch(url, json={"locale": "fr"}, headers=world.teacher.headers)
    assert wrong.status_code == 422
    cleared = client.patch(url, json={"locale": ""}, headers=world.teacher.headers)
    assert cleared.json["locale"] is None


def test_an_unreadable_answer_is_explained_in_chinese_with_its_caret(client, world):
    url = f"/api/v1/assignments/{world.assignment_id}/preview"
    headers = {**world.student.headers, **ZH}
    answer = client.post(url, json={"expression": "４ｘ＋", "part": "dz"}, headers=headers)
    assert answer.status_code == 422 and answer.json["error"]["code"] == "parse_error"
    assert answer.json["error"]["message"] == "答案结束得太早：缺少了内容"
    assert answer.json["error"]["details"]["caret"].splitlines()[0] == "４ｘ＋"
    english = client.post(
        url, json={"expression": "4x+", "part": "dz"}, headers=world.student.headers
    )
    assert english.json["error"]["message"] == "the answer ends too early: something is missing"
    submitted = client.post(
        f"/api/v1/assignments/{world.assignment_id}/submissions",
        json={"answers": {"dz": "(4x"}},
        headers=headers,
    )
    assert submitted.status_code == 422 and submitted.json["error"]["code"] == "unreadable_answers"
    assert "没有提交任何内容" in submitted.json["error"]["message"]
    assert "缺少 ')'" in submitted.json["error"]["details"]["dz"]["message"]
