"""Exercise versions: immutable; only a changed upload makes a new one."""

from __future__ import annotations

import pytest

from grader.services.errors import Forbidden, Invalid
from grader.services.exercises import library as exercises
from tests.helpers import EXERCISE_YAML


def test_identical_upload_keeps_the_version_and_a_change_makes_a_new_one(world):
    again = exercises.upload(world.svc, world.teacher.actor, EXERCISE_YAML)
    assert again == {"id": "chain-rule-intro", "version": 1, "created": False}
    changed = EXERCISE_YAML.replace("title: Chain rule", "title: The chain rule")
    assert exercises.upload(world.svc, world.teacher.actor, changed)["version"] == 2
    detail = exercises.get_exercise(world.svc, world.teacher.actor, "chain-rule-intro", 1)
    assert detail["yaml"] == EXERCISE_YAML and len(detail["versions"]) == 2


def test_assignment_keeps_its_version_after_an_update(world):
    from grader.services.assignments import assignment as assignments

    changed = EXERCISE_YAML.replace("title: Chain rule", "title: The chain rule")
    exercises.upload(world.svc, world.teacher.actor, changed)
    view = assignments.view(world.svc, world.student.actor, world.assignment_id)
    assert view["version"] == 1


def test_someone_elses_exercise_cannot_be_overwritten(world):
    changed = EXERCISE_YAML.replace("title: Chain rule", "title: Mine now")
    with pytest.raises(Forbidden):
        exercises.upload(world.svc, world.other_teacher.actor, changed)


def test_import_reports_new_unchanged_updated_and_invalid(svc, tmp_path):
    (tmp_path / "a.yaml").write_text(EXERCISE_YAML)
    (tmp_path / "bad.yaml").write_text("id: bad\n")
    files = exercises.yaml_files([tmp_path])
    first = {r["path"].rsplit("/", 1)[1]: r["status"] for r in exercises.import_files(svc, files)}
    assert first == {"a.yaml": "new", "bad.yaml": "invalid"}
    second = exercises.import_files(svc, files)
    assert second[0]["status"] == "unchanged"
    (tmp_path / "a.yaml").write_text(EXERCISE_YAML.replace("Chain rule", "Chain"))
    assert exercises.import_files(svc, files)[0]["status"] == "updated"


def test_invalid_upload_lists_every_problem(world):
    with pytest.raises(Invalid) as caught:
        exercises.upload(world.svc, world.teacher.actor, "id: Bad Id\nparts: 3\n")
    assert len(caught.value.details) >= 2


def test_a_deleted_and_reuploaded_exercise_is_served_fresh_not_from_the_cache(world):
    # SQLite reuses the largest rowid after a delete: the new version can get the id of the
    # deleted one, whose parsed exercise this process (and every other) still held.
    from grader.services.assignments import assignment as assignments
    from grader.services.grading import runner as grading
    from grader.services.grading import submissions

    spec = {"exercise_id": "chain-rule-intro"}
    assignments.delete_assignment(world.svc, world.teacher.actor, world.assignment_id)
    first = assignments.create_assignment(world.svc, world.teacher.actor, world.course_id, spec)
    assignments.view(world.svc, world.student.actor, first["id"])  # parsed and cached now
    assignments.delete_assignment(world.svc, world.teacher.actor, first["id"])
    exercises.delete_exercise(world.svc, world.teacher.actor, "chain-rule-intro")
    fixed = EXERCISE_YAML.replace("Let $y", "Now let $y").replace("id: dz\n", "id: dz-new\n")
    exercises.upload(world.svc, world.teacher.actor, fixed)
    second = assignments.create_assignment(world.svc, world.teacher.actor, world.course_id, spec)
    view = assignments.view(world.svc, world.student.actor, second["id"])
    assert view["statement"].startswith("Now let")
    assert [p["id"] for p in view["parts"]] == ["dz-at-10", "dz-new", "grad"]
    accepted, _ = submissions.submit(
        world.svc, world.student.actor, second["id"], {"dz-new": "20x"}
    )
    grading.process_batch(world.svc, 10)
    result = submissions.get_submission(world.svc, world.student.actor, accepted["id"])
    assert result["status"] == "graded" and result["parts"]["dz-new"]["correct"] is True


SELF_TEST_FAILS = EXERCISE_YAML.replace(
    "  - id: dz\n    kind: expression\n    of: z\n    wrt: x\n",
    "  - id: dz\n    kind: expression\n    of: z\n    wrt: x\n    tests: {accept: ['4x']}\n",
).replace("chain-rule-intro", "self-test-fails")


def test_an_upload_and_the_import_command_refuse_an_exercise_whose_self_tests_fail(world, tmp_path):
    assert "tests:" in SELF_TEST_FAILS
    with pytest.raises(Invalid) as refused:
        exercises.upload(world.svc, world.teacher.actor, SELF_TEST_FAILS)
    assert "'4x' was rejected" in refused.value.details[0]["message"]
    path = tmp_path / "fails.yaml"
    path.write_text(SELF_TEST_FAILS)
    (report,) = exercises.import_files(world.svc, [path])
    assert report["status"] == "invalid" and report["problems"][0]["line"]


def _zip(files: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_a_bundle_reports_each_file_and_stops_reading_a_zip_bomb(world):
    bomb = _zip({"big.yaml": b"#" * (exercises.MAX_FILE_BYTES * 8)})
    assert len(bomb) < 20_000  # small on the wire, large unpacked
    reports = exercises.upload_bundle(
        world.svc,
        world.teacher.actor,
        [
            ("bomb.zip", bomb),
            ("notes.txt", b"hello"),
            ("broken.zip", b"PK not really"),
            ("ok.yaml", EXERCISE_YAML.replace("chain-rule-intro", "bundle-ok").encode()),
            ("latin1.yaml", "title: caf\xe9".encode("latin-1")),
        ],
    )
    assert [(r["file"], r["status"]) for r in reports] == [
        ("big.yaml", "invalid"),
        ("notes.txt", "invalid"),
        ("broken.zip", "invalid"),
        ("ok.yaml", "new"),
        ("latin1.yaml", "invalid"),
    ]
    assert "too large once unpacked" in reports[0]["message"]
    assert "not a readable zip" in reports[2]["message"]
    assert "not UTF-8" in reports[4]["message"]
