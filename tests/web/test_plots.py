"""Feedback plots: the slice that shows the mistake, honest shading, labels, alt text."""

from __future__ import annotations

import re

import torch

from grader.engine import Curves, curves, load_exercise_file
from grader.engine.check import parse_answer
from grader.engine.curves import SLICES, _slice, visible_difference
from grader.web.plots import describe, differs, render_svg
from tests.web.conftest import EXERCISES

SWAPPED = "sigmoid(w x + b)(1 - sigmoid(w x + b)) w"  # ∂p/∂w with w where x belongs


def _line(answer, reference=None, wrong=None) -> Curves:
    xs = [i / 10 for i in range(-30, 31)]
    ans = [answer(x) for x in xs]
    ref = [reference(x) if reference else x for x in xs]
    bad = wrong or [abs(a - r) > 1e-9 for a, r in zip(ans, ref, strict=True)]
    return Curves("x", xs, ans, ref, bad, {})


def test_multi_variable_plot_takes_the_slice_where_the_mistake_shows_most():
    exercise = load_exercise_file(EXERCISES / "sigmoid-neuron.yaml")
    for seed in range(5):
        chosen = curves(exercise, seed, "grad", SWAPPED, 0, n=100)
        inst = exercise.instance(seed)
        part = exercise.part("grad")
        node = parse_answer(exercise, part, SWAPPED)
        grid = chosen.xs
        scores = [
            visible_difference(
                _slice(
                    inst,
                    part,
                    node,
                    "w",
                    torch.tensor(grid, dtype=torch.float64),
                    ["w"],
                    {v: float(inst.sample_points[v][k]) for v in ("x", "b")},
                )
            )
            for k in range(SLICES)
        ]
        assert visible_difference(chosen) == max(scores)
        assert visible_difference(chosen) > 0.1  # the curves are visibly apart


def test_shading_leaves_out_gaps_too_small_to_see():
    # wrong beyond the grading tolerance everywhere, but visibly only for x > 1
    data = _line(lambda x: x + (2.0 if x > 1 else 1e-4))
    shaded = differs(data)
    assert not any(s for s, x in zip(shaded, data.xs, strict=True) if x <= 1)
    assert all(s for s, x in zip(shaded, data.xs, strict=True) if x > 1.05)


def test_alt_text_says_where_and_which_way_the_answer_is_off():
    assert describe(_line(lambda x: x + (2.0 if x > 1 else 0)), False, "dy/dx").endswith(
        "your answer is too large for x > 1."
    )
    low = describe(_line(lambda x: x - (3.0 if x < -1 else 0)), False, "dy/dx")
    assert "too small for x < -1" in low
    everywhere = describe(_line(lambda x: 2 * x + 5), False, "dy/dx")
    assert "everywhere on -3 ≤ x ≤ 3" in everywhere
    hidden = describe(_line(lambda x: x + (2.0 if x > 1 else 0)), True, "dy/dx")
    assert "wrong for x > 1" in hidden and "too large" not in hidden
    assert "agrees" in describe(_line(lambda x: x), False, "dy/dx")


def test_plot_labels_both_axes_and_the_phone_size_keeps_text_large():
    data = _line(lambda x: x + (2.0 if x > 1 else 0))
    for size, smallest_css_px, shown_width in (("wide", 12, 640), ("phone", 12, 340)):
        svg = render_svg(data, False, "dy/dx", size).decode()
        texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
        assert "dy/dx" in texts and "x" in texts  # y and x axis labels
        width = float(re.search(r'viewBox="0 0 ([\d.]+)', svg).group(1))
        sizes = [float(s) for s in re.findall(r"font-size: ([\d.]+)px", svg)]
        assert sizes and min(sizes) * shown_width / width >= smallest_css_px, (size, sizes)


def test_a_plot_is_drawn_once_and_each_user_may_have_only_so_many_drawn(pages, web, monkeypatch):
    from grader.web import feedback as feedback_pages

    drawn = []
    original = feedback_pages.render_svg
    monkeypatch.setattr(
        feedback_pages, "render_svg", lambda *a, **k: drawn.append(a) or original(*a, **k)
    )
    monkeypatch.setattr(feedback_pages, "PLOT_RENDERS_PER_MINUTE", 1)
    pages.sign_in(web.student)
    wrong = {"answer-dz-at-10-0": "200", "answer-dz-0": "4x", "answer-grad-0": "20x"}
    url = pages.submit(wrong).headers["Location"] + "/plots/dz/0.svg"
    first = pages.get(url)
    assert first.status_code == 200
    for _ in range(5):  # reloads: the same drawing, not drawn again, not counted
        assert pages.get(url).get_data() == first.get_data()
    assert len(drawn) == 1
    refused = pages.get(url + "?size=phone")  # a second drawing within the minute
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert pages.get(url).status_code == 200 and len(drawn) == 1
    from grader.services.infra.ratelimit import SharedWindowLimit

    other_process = SharedWindowLimit(web.svc.db, "plots:", 60.0)  # counts in the same rows
    assert other_process.check(str(web.student.actor.id), 1) is not None
