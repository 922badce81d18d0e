"""What a student is told about names, over HTTP: the preview's refusals list only the names
the statement shows (never the hidden param k, nor z, whose derivative is asked), the name
asked is refused as an answer, and glued trig words get readings that parse."""

from __future__ import annotations


def _preview(client, world, text: str, part: str = "dz"):
    url = f"/api/v1/assignments/{world.assignment_id}/preview"
    body = {"expression": text, "part": part}
    return client.post(url, json=body, headers=world.student.headers)


def test_an_unknown_name_lists_only_names_the_student_was_shown(world, client):
    response = _preview(client, world, "q x")
    assert response.status_code == 422
    details = response.json["error"]["details"]
    assert details["message"] == "unknown name 'q' (the names you can use here: x, y, and pi, e)"
    assert details["column"] == 1 and details["suggestions"] == []


def test_the_name_asked_about_is_refused_and_an_intermediate_is_read(world, client):
    refused = _preview(client, world, "z/x")
    assert refused.status_code == 422
    assert refused.json["error"]["details"]["message"].startswith(
        "'z' is what this part differentiates"
    )
    assert _preview(client, world, "20y/x").status_code == 200  # y is shown: usable


def test_a_glued_trig_word_gets_a_reading_that_parses(world, client):
    response = _preview(client, world, "2sinxcosx")
    details = response.json["error"]["details"]
    assert "did you mean sin(x)cos(x)?" in details["message"]
    assert details["suggestions"] == ["2sin(x)cos(x)"]
    assert _preview(client, world, details["suggestions"][0]).status_code == 200
    assert _preview(client, world, "cos²x").json["text"] == "cos(x)^2"
