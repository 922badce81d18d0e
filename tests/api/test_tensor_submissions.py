"""Tensor answers over HTTP: nested-list text is accepted and graded per entry; a wrong
number of entries is 422 naming the expected shape, and uses no attempt."""

from __future__ import annotations

from tests.web.conftest import assign


def _submit(client, world, aid, answers):
    url = f"/api/v1/assignments/{aid}/submissions"
    return client.post(url, json={"answers": answers}, headers=world.student.headers)


def test_nested_list_answer_is_graded_with_entries(world, client):
    aid = assign(world, "linear-layer-mse")
    answers = {"dL-dW-at": "[[-3, -6, -9],\n [4, 8, 13]]", "dL-dW": "outer(y - t, x)"}
    response = _submit(client, world, aid, answers)
    assert response.status_code == 202
    world.grade_all()
    result = client.get(response.headers["Location"], headers=world.student.headers).json
    part = result["parts"]["dL-dW-at"]
    assert part["entries"] == [[True, True, True], [True, True, False]]
    assert abs(part["score"] - 2 * 5 / 6) < 1e-9
    assert result["parts"]["dL-dW"]["correct"] is True


def test_wrong_number_of_entries_is_422_with_the_expected_shape(world, client):
    aid = assign(world, "linear-layer-mse")
    response = _submit(client, world, aid, {"dL-dW-at": "[[-3, -6], [4, 8]]"})
    assert response.status_code == 422
    detail = response.json["error"]["details"]["dL-dW-at"]
    assert "expected a 2×3 matrix" in detail["message"]
    view = client.get(f"/api/v1/assignments/{aid}", headers=world.student.headers)
    assert view.json["attempts_used"] == 0


def test_student_view_shows_each_box_shape_and_tensor_params(world, client):
    aid = assign(world, "logistic-regression-batch")
    view = client.get(f"/api/v1/assignments/{aid}", headers=world.student.headers).json
    assert view["parts"][0]["shapes"] == [[3]]
    assert len(view["params"]["X"]) == 4 and len(view["params"]["X"][0]) == 3
    assert "<mtable" in view["statement_html"]


def test_preview_reads_a_matrix(world, client):
    aid = assign(world, "linear-layer-mse")
    url = f"/api/v1/assignments/{aid}/preview"
    ok = client.post(
        url,
        json={"expression": "[[1, 2, 3], [4, 5, 6]]", "part": "dL-dW-at"},
        headers=world.student.headers,
    )
    assert ok.status_code == 200 and "<mtable" in ok.json["mathml"]
