"""python -m grader validate / check: exit codes, output shapes, messages."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from grader.cli import main
from tests.helpers import EXERCISES, ROOT

CHAIN = str(EXERCISES / "tutorial-chain.yaml")
TWO = str(EXERCISES / "tutorial-two-inputs.yaml")

GOOD = """\
id: {id}
title: T
variables:
  x: [-5, 5]
  t: [1, 2]
define:
  z: 5*x^2 + t
parts:
  - id: dz
    kind: expression
    of: z
    wrt: x
    tests:
      accept: ["10x"]
  - id: g
    kind: gradient
    of: z
    wrt: [x, t]
"""


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(GOOD.format(id="good"))
    return path


@pytest.fixture
def bad_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.format(id="bad").replace("    wrt: x\n", "    wrt: w\n"))
    return path


# ---------------------------------------------------------------- as a process


def test_module_runs_as_a_process_and_grades():
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "check", CHAIN, "--answer", "dz-formula=20x", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["parts"]["dz-formula"]["correct"] is True


def test_bad_exercise_exits_2_as_a_process(bad_file):
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(bad_file), "--answer", "dz=10x"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "'w' is not a variable" in proc.stderr
    assert "Traceback" not in proc.stderr


# ---------------------------------------------------------------- check


def test_check_exits_0_for_a_correct_answer(capsys):
    assert run(capsys, "check", CHAIN, "--answer", "dz-formula=20x")[0] == 0


def test_check_exits_0_for_a_wrong_answer(capsys):
    assert run(capsys, "check", CHAIN, "--answer", "dz-formula=4x")[0] == 0


def test_check_exits_0_for_an_unparsable_answer(capsys):
    assert run(capsys, "check", CHAIN, "--answer", "dz-formula=4x+")[0] == 0


def test_check_json_has_the_documented_shape(capsys):
    _, out, _ = run(capsys, "check", CHAIN, "--answer", "dz-formula=4x", "--json")
    data = json.loads(out)
    assert set(data) == {"score", "max_score", "parts"}
    assert set(data["parts"]["dz-formula"]) == {
        "correct",
        "score",
        "feedback",
        "diagnosis",
        "error",
        "expected",
        "messages",
    }


def test_check_prints_plain_text_feedback_without_dollar_signs(capsys):
    _, out, _ = run(
        capsys, "check", str(EXERCISES / "tutorial-chain.yaml"), "--answer", "dz-formula=4x"
    )
    assert "dz/dy" in out and "$" not in out
    _, out, _ = run(capsys, "check", CHAIN, "--answer", "dz-formula=4x", "--json")
    assert "$" not in json.loads(out)["parts"]["dz-formula"]["feedback"]


def test_check_names_the_wrong_term_as_typed_and_a_readable_point(capsys, tmp_path):
    path = tmp_path / "poly.yaml"
    path.write_text(GOOD.format(id="poly").replace("5*x^2 + t", "6x^4 - 5x^3 + 2x"))
    _, out, _ = run(capsys, "check", str(path), "--answer", "dz=24x^3 + 15x^2 + 2")
    assert "[term_sign] Check the term 15x^2: its sign is wrong." in out
    _, out, _ = run(capsys, "check", str(path), "--answer", "dz=sin(x)")
    assert "at x = 1, t = 3/2 your answer gives 0.841471. The derivative there is 11." in out


def test_check_json_reports_the_score(capsys):
    _, out, _ = run(capsys, "check", CHAIN, "--answer", "dz-formula=20x", "--json")
    data = json.loads(out)
    assert (data["score"], data["max_score"]) == (1.0, 2.0)


def test_check_json_unparsable_answer_has_error_and_is_not_correct(capsys):
    _, out, _ = run(capsys, "check", CHAIN, "--answer", "dz-formula=20x+", "--json")
    part = json.loads(out)["parts"]["dz-formula"]
    assert part["correct"] is False and part["error"]


def test_check_repeated_answers_grade_each_part(capsys):
    _, out, _ = run(
        capsys, "check", TWO, "--answer", "dz-dx=17200", "--answer", "dz-da=1290", "--json"
    )
    assert json.loads(out)["score"] == 4.0


def test_check_gradient_answer_as_comma_separated_text(capsys, good_file):
    _, out, _ = run(capsys, "check", str(good_file), "--answer", "g=10x, 1", "--json")
    assert json.loads(out)["parts"]["g"]["correct"] is True


def test_check_gradient_answer_as_json_list(capsys, good_file):
    _, out, _ = run(capsys, "check", str(good_file), "--answer", 'g=["10x", "1"]', "--json")
    assert json.loads(out)["parts"]["g"]["correct"] is True


def test_check_table_shows_verdict_and_total(capsys):
    _, out, _ = run(capsys, "check", CHAIN, "--answer", "dz-formula=20x")
    assert "correct" in out and "total: 1 / 2" in out


def test_check_table_shows_the_diagnosis_code(capsys):
    _, out, _ = run(capsys, "check", CHAIN, "--answer", "dz-formula=-20x")
    assert "[sign]" in out


def test_check_unknown_part_exits_2_and_names_it(capsys):
    code, _, err = run(capsys, "check", CHAIN, "--answer", "nope=1")
    assert code == 2 and "unknown part 'nope'" in err


def test_check_answer_without_equals_exits_2(capsys):
    code, _, err = run(capsys, "check", CHAIN, "--answer", "20x")
    assert code == 2 and "PART=TEXT" in err


def test_check_bad_exercise_exits_2_with_reason_on_stderr(capsys, bad_file):
    code, out, err = run(capsys, "check", str(bad_file), "--answer", "dz=10x")
    assert code == 2 and out == "" and "'w' is not a variable" in err


def test_check_missing_exercise_file_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "check", str(tmp_path / "none.yaml"), "--answer", "a=1")
    assert code == 2 and "cannot read" in err


def test_check_without_answers_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["check", CHAIN])
    assert info.value.code == 2


def test_check_seed_changes_params_but_grades(capsys):
    path = str(EXERCISES / "chain-rule-sqrt.yaml")
    code, out, _ = run(
        capsys, "check", path, "--seed", "3", "--answer", "df=x/sqrt(x^2+k)", "--json"
    )
    assert code == 0 and json.loads(out)["parts"]["df"]["correct"] is True


# ---------------------------------------------------------------- --answers JSONL


def test_answers_file_prints_one_line_per_input_line_in_order(capsys, tmp_path):
    lines = [
        {"answers": {"dz-formula": "20x"}},
        {"answers": {"dz-formula": "4x"}},
        {"answers": {"dz-formula": "20x", "dz-at-10": "200"}},
    ]
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    code, out, _ = run(capsys, "check", CHAIN, "--answers", str(path), "--json")
    scores = [json.loads(line)["score"] for line in out.splitlines()]
    assert code == 0 and scores == [1.0, 0.0, 2.0]


def test_answers_file_bad_lines_get_an_error_line_in_place(capsys, tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(
        '{"answers": {"dz-formula": "20x"}}\nnot json\n[1, 2]\n{"answers": {"dz-formula": "4x"}}\n'
    )
    code, out, _ = run(capsys, "check", CHAIN, "--answers", str(path), "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 4
    assert "error" in rows[1] and "line 2" in rows[1]["error"]
    assert "error" in rows[2] and "line 3" in rows[2]["error"]
    assert rows[3]["score"] == 0.0


def test_answers_file_ignores_other_keys(capsys, tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"student": 7, "answers": {"dz-formula": "20x"}}\n')
    _, out, _ = run(capsys, "check", CHAIN, "--answers", str(path), "--json")
    assert json.loads(out)["score"] == 1.0


def test_answers_file_gradient_as_list(capsys, tmp_path, good_file):
    path = tmp_path / "a.jsonl"
    path.write_text('{"answers": {"g": ["10x", "1"]}}\n')
    _, out, _ = run(capsys, "check", str(good_file), "--answers", str(path), "--json")
    assert json.loads(out)["parts"]["g"]["correct"] is True


def test_answers_file_unknown_part_does_not_stop_the_run(capsys, tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"answers": {"nope": "1", "dz-formula": "20x"}}\n')
    code, out, _ = run(capsys, "check", CHAIN, "--answers", str(path), "--json")
    assert code == 0 and json.loads(out)["score"] == 1.0


def test_answers_file_that_does_not_exist_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "check", CHAIN, "--answers", str(tmp_path / "none.jsonl"))
    assert code == 2 and "none.jsonl" in err


# ---------------------------------------------------------------- validate


def test_validate_the_shipped_exercise_folder_exits_0(capsys):
    code, out, err = run(capsys, "validate", str(EXERCISES))
    assert code == 0, out


def test_validate_good_file_exits_0_and_counts(capsys, good_file):
    code, _, err = run(capsys, "validate", str(good_file))
    assert code == 0 and "1 of 1 exercises valid" in err


def test_validate_invalid_file_exits_1(capsys, bad_file):
    assert run(capsys, "validate", str(bad_file))[0] == 1


def test_validate_invalid_file_reports_file_line_path_message(capsys, bad_file):
    _, out, _ = run(capsys, "validate", str(bad_file))
    assert f"{bad_file}:12: parts[0].wrt: 'w' is not a variable" in out.splitlines()


def test_validate_failing_self_test_exits_1(capsys, tmp_path):
    path = tmp_path / "st.yaml"
    path.write_text(GOOD.format(id="st").replace('accept: ["10x"]', 'accept: ["5x"]'))
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 1 and "tests.accept[0]" in out


def test_validate_id_different_from_file_name_is_reported(capsys, tmp_path):
    path = tmp_path / "other.yaml"
    path.write_text(GOOD.format(id="good"))
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 1 and "differs from the file name" in out


def test_validate_folder_with_one_bad_file_exits_1(capsys, good_file, bad_file):
    code, _, err = run(capsys, "validate", str(good_file.parent))
    assert code == 1 and "1 of 2 exercises valid" in err


def test_validate_missing_path_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "validate", str(tmp_path / "missing"))
    assert code == 2 and "no such file" in err


def test_validate_empty_folder_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "validate", str(tmp_path))
    assert code == 2 and "no .yaml files" in err


def test_validate_unreadable_yaml_reports_without_traceback(capsys, tmp_path):
    path = tmp_path / "junk.yaml"
    path.write_bytes(b"\xff\xfe\x00")
    code, out, err = run(capsys, "validate", str(path))
    assert code == 1 and "UTF-8" in out and "Traceback" not in out + err


LINEAR = str(EXERCISES / "linear-layer-mse.yaml")


def test_check_reads_a_nested_list_answer_and_prints_entries(capsys):
    code, out, _ = run(
        capsys, "check", LINEAR, "--answer", "dL-dW-at=[[-3, -6, -9], [4, 8, 13]]", "--json"
    )
    part = json.loads(out)["parts"]["dL-dW-at"]
    assert code == 0 and part["entries"] == [[True, True, True], [True, True, False]]
    assert part["score"] == pytest.approx(2 * 5 / 6)


def test_check_of_a_vector_part_takes_the_list_as_one_answer(capsys):
    code, out, _ = run(capsys, "check", LINEAR, "--answer", "dL-db=[1, 2]", "--json")
    part = json.loads(out)["parts"]["dL-db"]
    assert part["error"] is None and part["entries"] == [False, False]


def test_check_of_a_matrix_with_a_missing_entry_names_the_shape(capsys):
    code, out, _ = run(capsys, "check", LINEAR, "--answer", "dL-dW-at=[[1, 2, 3], [4, 5]]")
    assert code == 0 and "this answer should be a 2×3 matrix" in out


def test_an_unexpected_error_is_one_line_with_exit_70_not_a_traceback(capsys, monkeypatch):
    import argparse

    from grader.cli import EXIT_BUG, run_command

    def broken(args):
        raise KeyError("step")

    monkeypatch.delenv("GRADER_DEBUG", raising=False)
    assert run_command(broken, argparse.Namespace()) == EXIT_BUG
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error (KeyError: 'step')" in err
    monkeypatch.setenv("GRADER_DEBUG", "1")
    with pytest.raises(KeyError):
        run_command(broken, argparse.Namespace())


def test_output_cut_short_by_a_closed_pipe_ends_quietly():
    # `python -m grader check ... | head -1`: the rest of the output has nowhere to go
    script = (
        "import subprocess, sys\n"
        "p = subprocess.Popen([sys.executable, '-m', 'grader', 'check', sys.argv[1],"
        " '--answer', 'dz-formula=4x', '--answer', 'dz-at-10=1'],"
        " stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
        "p.stdout.close()\n"
        "err = p.stderr.read().decode()\n"
        "sys.exit(0 if 'Traceback' not in err and p.wait() == 0 else 1)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, CHAIN], cwd=ROOT, timeout=120)
    assert done.returncode == 0


@pytest.mark.sandbox
def test_check_grades_a_code_file_and_names_the_bug(capsys, tmp_path):
    code = tmp_path / "backward.py"
    code.write_text(
        "def linear_backward(dout, x, W, b):\n    return dout @ W.T, dout.T @ x, dout.sum(axis=0)\n"
    )
    path = str(EXERCISES / "code-linear-backward.yaml")
    status, out, _ = run(capsys, "check", path, "--answer", f"backward=@{code}", "--json")
    assert status == 0
    part = json.loads(out)["parts"]["backward"]
    assert part["diagnosis"] == "transposed" and part["score"] == 2
    assert "`dW` has shape (2, 3); `W` has shape (3, 2)" in part["feedback"]


def test_check_says_when_a_code_file_cannot_be_read(capsys, tmp_path):
    path = str(EXERCISES / "code-linear-backward.yaml")
    status, _, err = run(capsys, "check", path, "--answer", f"backward=@{tmp_path / 'none.py'}")
    assert status == 2 and "cannot read the code" in err


def test_check_shows_follow_through_from_a_wrong_step(capsys):
    """`check --answer` with a step's answer (PART.N): the part is marked followed (#26)."""
    code, out, _ = run(
        capsys, "check", CHAIN, "--answer", "dz-at-10=220", "--answer", "dz-at-10.1=44"
    )
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("dz-at-10 "))
    assert "followed" in line and "0.8/1" in line
    assert "Correct given your dy/dx = 44 (which was wrong: see step 1)." in line
    assert "(help taken: -20%)" in line
    assert any(x.strip().startswith("dz-at-10.1  wrong") for x in out.splitlines())


def test_check_json_carries_follow_through(capsys):
    code, out, _ = run(
        capsys, "check", CHAIN, "--json", "--answer", "dz-at-10=220", "--answer", "dz-at-10.1=44"
    )
    part = json.loads(out)["parts"]["dz-at-10"]
    assert part["follow_through"] == {
        "from": ["dz-at-10.1"],
        "given": {"dz-at-10.1": "44"},
        "share": 1.0,
    }
