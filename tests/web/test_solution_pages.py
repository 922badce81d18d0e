"""The worked solution on the feedback page: the graph, the chain rule, the mistake marked."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from grader.services.assignments import assignment as assignments

SVG = "{http://www.w3.org/2000/svg}"


def _submit(pages, answers) -> str:
    pages.sign_in(pages.world.student)
    response = pages.submit(answers)
    assert response.status_code == 303
    return response.headers["Location"]


def _settings(web, **changes):
    assignments.update_assignment(web.svc, web.teacher.actor, web.assignment_id, changes)


def test_feedback_shows_the_graph_and_marks_the_missed_factor(pages, web, page_text):
    url = _submit(pages, {"answer-dz-0": "4x", "answer-dz-at-10-0": "200"})
    response = pages.get(url)
    text = page_text(response)
    assert "Worked solution: the computation graph" in text
    assert "Where it went wrong: Your answer leaves out the factor ∂z/∂y" in text
    assert "∂z/∂y · ∂y/∂x = 5 · 4*x" in text
    assert "∂z/∂y · ∂y/∂x = 5 · 40 = 200" in text  # the value part, at x = 10
    sid = url.rsplit("/", 1)[1]
    html = response.get_data(as_text=True)
    assert f'src="/submissions/{sid}/solution/dz.svg"' in html
    assert f'src="/submissions/{sid}/solution/dz.svg?level=ops"' in html
    svg = pages.get(f"/submissions/{sid}/solution/dz.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    root = ET.fromstring(svg.get_data(as_text=True))
    missed = [e for e in root.iter(f"{SVG}line") if "missed" in e.get("class")]
    assert [(e.get("data-from"), e.get("data-to")) for e in missed] == [("y", "z")]
    assert "Edge y to z: ∂z/∂y = 5." in root.find(f"{SVG}desc").text


def test_no_graph_before_the_answer_may_be_shown_unless_given_as_a_hint(pages, web, page_text):
    _settings(web, show_answers="never")
    url = _submit(pages, {"answer-dz-0": "4x"})
    sid = url.rsplit("/", 1)[1]
    assert "Worked solution" not in page_text(pages.get(url))
    assert pages.get(f"/submissions/{sid}/solution/dz.svg").status_code == 403
    _settings(web, solution_hint=True)
    text = page_text(pages.get(url))
    assert "Hint: how z is computed" in text and "Where it went wrong" not in text
    svg = pages.get(f"/submissions/{sid}/solution/dz-at-10.svg").get_data(as_text=True)
    assert "= 200" not in svg and "4*x" not in svg.split("</desc>", 1)[1]


def test_another_student_gets_no_graph(pages, web):
    url = _submit(pages, {"answer-dz-0": "4x"})
    sid = url.rsplit("/", 1)[1]
    pages.sign_in(web.outsider)
    assert pages.get(f"/submissions/{sid}/solution/dz.svg").status_code == 404


def test_the_instructor_turns_the_hint_on_from_the_submissions_page(pages, web):
    pages.sign_in(web.teacher)
    url = f"/assignments/{web.assignment_id}/submissions"
    assert 'name="solution_hint"' in pages.get(url).get_data(as_text=True)
    data = {"show_answers": "never", "solution_hint": "1"}
    assert pages.post(f"/assignments/{web.assignment_id}/settings", data).status_code == 303
    seen = assignments.settings(web.svc, web.teacher.actor, web.assignment_id)
    assert seen["show_answers"] == "never" and seen["solution_hint"] is True
    assert "checked" in pages.get(url).get_data(as_text=True).split('name="solution_hint"')[1][:40]
    pages.post(f"/assignments/{web.assignment_id}/settings", {"show_answers": "never"})
    assert (
        assignments.settings(web.svc, web.teacher.actor, web.assignment_id)["solution_hint"]
        is False
    )


def test_a_page_of_many_wrong_boxes_draws_a_bounded_number_of_plots_and_graphs(
    pages, web, page_text, monkeypatch
):
    """10 gradient parts over 3 variables, every box wrong: 30 boxes, bounded work per view."""
    from grader.engine import solution as engine_solution
    from grader.services.exercises import library as exercises
    from grader.services.grading import feedback, solutions

    lines = ["id: many-boxes", "title: Many boxes", "variables: {x: [1, 2], y: [1, 2], t: [1, 2]}"]
    lines += ["define:"] + [f"  f{i}: x^{i + 2}*y + t*x" for i in range(10)] + ["parts:"]
    lines += [f"  - {{id: g{i}, kind: gradient, of: f{i}, wrt: [x, y, t]}}" for i in range(10)]
    exercises.upload(web.svc, web.teacher.actor, "\n".join(lines))
    spec = {"exercise_id": "many-boxes"}
    aid = assignments.create_assignment(web.svc, web.teacher.actor, web.course_id, spec)["id"]
    answers = {f"answer-g{i}-{c}": "0" for i in range(10) for c in range(3)}
    pages.sign_in(web.student)
    url = pages.submit(answers, aid).headers["Location"]
    counted = {"curves": 0, "graphs": 0}
    real_curves, real_solution = feedback.curves, engine_solution.solution

    def count(key, real):
        def wrapped(*args, **kwargs):
            counted[key] += 1
            return real(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(feedback, "curves", count("curves", real_curves))
    monkeypatch.setattr(engine_solution, "solution", count("graphs", real_solution))
    text = page_text(pages.get(url))
    assert counted["curves"] <= feedback.MAX_PAGE_CURVES
    assert 0 < counted["graphs"] <= solutions.MAX_PAGE_GRAPHS
    assert "Open the computation graph of ∂f9/∂x" in text
