"""Wrong answers grouped by the mistake they make across parameter draws, and written in the
exercise's params (engine.mistake_groups)."""

from __future__ import annotations

import pytest

from grader.engine import load_exercise_file
from grader.engine.instance import draw_params
from grader.engine.mistake_groups import MistakeGroups
from tests.helpers import EXERCISES, FIXTURES


@pytest.fixture(scope="module")
def chain():
    return load_exercise_file(FIXTURES / "param-chain.yaml")


def _seeds_by_k(exercise) -> dict[int, int]:
    out: dict[int, int] = {}
    for seed in range(60):
        out.setdefault(int(draw_params(exercise, seed)["k"]), seed)
    return out


@pytest.mark.parametrize(
    ("typed", "key", "form"),
    [
        ("cos({k}x^2)", ("rule f 0",), "cos(k*x^2)"),  # the inner derivative forgotten
        ("-{k2}x cos({k}x^2)", ("sign",), "-2*k*x*cos(k*x^2)"),  # the sign
    ],
)
def test_one_mistake_has_one_key_at_every_draw_and_one_form_in_the_params(chain, typed, key, form):
    groups = MistakeGroups(chain)
    seeds = _seeds_by_k(chain)
    assert len(seeds) >= 4
    forms = set()
    for k, seed in seeds.items():
        answer = typed.format(k=k, k2=2 * k)
        assert groups.key("df", answer, seed) == key
        forms.add(groups.form("df", answer, seed, key))
    assert len(forms) == 1  # the same form from every draw
    if form is not None:
        assert forms == {form}


def test_a_number_that_only_equals_a_param_at_one_draw_stays_a_number(chain):
    groups = MistakeGroups(chain)
    seed = _seeds_by_k(chain)[2]  # k = 2: the exponent 2 is k there, but not at other draws
    key = groups.key("df", "cos(2x^2)", seed)
    assert groups.form("df", "cos(2x^2)", seed, key) == "cos(k*x^2)"


def test_answers_that_match_no_known_mistake_have_no_key(chain):
    groups = MistakeGroups(chain)
    assert groups.key("df", "sin(x)", 0) is None
    k = int(draw_params(chain, 0)["k"])
    assert groups.key("df", f"{k}x cos({k}x^2)", 0) is None  # half: a factor is no key
    assert groups.key("df", "cos(", 0) is None  # unreadable
    right = f"{2 * draw_params(chain, 0)['k']}x cos({draw_params(chain, 0)['k']}x^2)"
    assert groups.key("df", right, 0) is None  # right: not a mistake


def test_an_exercise_without_params_has_keys_but_no_form():
    exercise = load_exercise_file(EXERCISES / "tutorial-chain.yaml")
    groups = MistakeGroups(exercise)
    key = groups.key("dz-formula", "-20x", 5)
    assert key == ("sign",) and groups.key("dz-formula", "-20x", 7) == key
    assert groups.form("dz-formula", "-20x", 5, key) is None


def test_a_tensor_part_is_left_to_grouping_by_values():
    exercise = load_exercise_file(EXERCISES / "linear-layer-mse.yaml")
    assert MistakeGroups(exercise).key("dL-db", "t - y", 0) is None


def test_a_class_of_many_draws_builds_one_instance_per_param_set(chain):
    groups = MistakeGroups(chain)
    for seed in range(300):
        groups.key("df", "cos(3x^2)", seed)
    assert len({groups.draw(seed) for seed in range(300)}) == len(_seeds_by_k(chain)) <= 8


def test_finding_forms_is_bounded_whatever_the_answers(chain):
    groups = MistakeGroups(chain)
    seeds = _seeds_by_k(chain)
    k, seed = next(iter(seeds.items()))
    # the forgotten inner derivative written long, with many numbers equal to k or 2k
    typed = f"cos({k}x^2)" + f" + {k} - {k}" * 3
    key = groups.key("df", typed, seed)
    assert key == ("rule f 0",)
    start = groups.work
    groups.form("df", typed, seed, key)  # found or given up, paid from the budget
    assert groups.work < start
    groups.work = 10  # less than one form costs: none is tried, keys still work
    assert groups.form("df", f"cos({k}x^2)", seed, key) is None
    assert groups.key("df", f"cos({k}x^2)", seed) == key
    assert MistakeGroups(chain).form("df", f"cos({k}x^2)", seed, key) == "cos(k*x^2)"


def test_readings_of_an_unknown_mistake_meet_across_draws(chain):
    groups = MistakeGroups(chain)
    seeds = _seeds_by_k(chain)
    (k1, s1), (k2, s2) = list(seeds.items())[:2]
    one = {v: t for n, v, t in groups.readings("df", f"{k1}x cos({k1}x^2)", s1) if n}
    two = {v: t for n, v, t in groups.readings("df", f"{k2}x cos({k2}x^2)", s2) if n}
    shared = set(one) & set(two)
    assert {one[v] for v in shared} == {"k*x*cos(k*x^2)"}
    assert (
        MistakeGroups(load_exercise_file(EXERCISES / "tutorial-chain.yaml")).readings(
            "dz-formula", "2x", 0
        )
        == []
    )  # no params: nothing to read as one
