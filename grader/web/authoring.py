"""Authoring pages: the exercise library (search, upload several files or a zip, copy), the
YAML editor with problems beside their lines, per-seed preview side by side, versions, diff."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for

from grader.services.accounts.access import require_role
from grader.services.context import Actor
from grader.services.errors import Invalid
from grader.services.exercises import library as exercises
from grader.web import bp
from grader.web.security import services, signed_in

MAX_YAML_CHARS = 200_000
MAX_UPLOAD_FILES = 100
MAX_SEED = 2**63 - 1
NEW_EXERCISE = """\
id: my-exercise
title: My exercise
statement: |
  Let $y = {a} x^2$. Find the derivative.
variables:
  x: [-3, 3]
params:
  a: {int: [2, 9]}
define:
  y: a*x^2
parts:
  - id: dy
    kind: expression
    of: y
    wrt: x
    tests:
      accept: ["2a x"]
      reject: ["a x"]
"""


@bp.get("/teach/exercises")
@signed_in
def library(actor: Actor) -> Any:
    """The exercise library, searchable, with upload and copy forms."""
    q = request.args.get("q", "").strip()[:100] or None
    listing = exercises.list_exercises(services(), actor, 200, 0, q)
    return render_template("instructor/library.html", listing=listing, q=q or "")


@bp.post("/teach/exercises/upload")
@signed_in
def upload_files(actor: Actor) -> Any:
    """Upload several YAML files and/or zip archives: one report line per file."""
    files = [f for f in request.files.getlist("files") if f.filename][:MAX_UPLOAD_FILES]
    if not files:
        raise Invalid("choose one or more .yaml files or a .zip archive")
    bundle = [(f.filename or "upload", f.read()) for f in files]
    reports = exercises.upload_bundle(services(), actor, bundle)
    listing = exercises.list_exercises(services(), actor, 200, 0)
    bad = any(r["status"] == "invalid" for r in reports)
    page = render_template("instructor/library.html", listing=listing, q="", reports=reports)
    return page, 422 if bad else 200


@bp.post("/teach/exercises/<exercise_id>/copy")
@signed_in
def copy_exercise(actor: Actor, exercise_id: str) -> Any:
    new_id = request.form.get("new_id", "").strip()[:64]
    created = exercises.copy(services(), actor, exercise_id, new_id)
    return redirect(url_for("web.edit_exercise", exercise_id=created["id"]), code=303)


def _numbered(text: str, problems: list[dict]) -> list[dict[str, Any]]:
    """The YAML's lines with their numbers and the problems reported at each."""
    at: dict[int, list[str]] = {}
    for problem in problems:
        if problem.get("line"):
            at.setdefault(int(problem["line"]), []).append(problem["message"])
    return [
        {"number": i, "text": line, "problems": at.get(i, [])}
        for i, line in enumerate(text.splitlines(), start=1)
    ]


def _editor(actor: Actor, text: str, slug: str | None, **extra: Any) -> Any:
    problems = extra.get("problems") or []
    return render_template(
        "instructor/editor.html",
        text=text,
        slug=slug,
        lines=_numbered(text, problems) if problems else [],
        **extra,
    )


@bp.get("/teach/exercises/new")
@signed_in
def new_exercise(actor: Actor) -> Any:
    require_role(actor, "instructor")
    return _editor(actor, NEW_EXERCISE, None)


@bp.get("/teach/exercises/<exercise_id>/edit")
@signed_in
def edit_exercise(actor: Actor, exercise_id: str) -> Any:
    found = exercises.get_exercise(services(), actor, exercise_id)
    return _editor(actor, found["yaml"], exercise_id, owner=found["owner"])


@bp.post("/teach/exercises/edit")
@signed_in
def save_exercise(actor: Actor) -> Any:
    """Check the YAML (action=check) or save it as a new version (action=save); either way
    problems are listed, each beside its line."""
    text = request.form.get("yaml", "").replace("\r\n", "\n")
    slug = request.form.get("slug", "").strip()[:100] or None
    if len(text) > MAX_YAML_CHARS:
        raise Invalid(f"an exercise has at most {MAX_YAML_CHARS} characters")
    checked = exercises.validate(services(), actor, text)
    if not checked["valid"]:
        return _editor(actor, text, slug, problems=checked["problems"]), 422
    if request.form.get("action") != "save":
        return _editor(actor, text, slug, problems=[], checked=True)
    saved = exercises.upload(services(), actor, text, source="<editor>")
    return redirect(
        url_for("web.exercise_versions", exercise_id=saved["id"], saved=saved["version"]),
        code=303,
    )


def _seed(name: str, default: int) -> int:
    text = request.args.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) > MAX_SEED:
        raise Invalid(f"{name}: a seed is a whole number from 0 to {MAX_SEED}")
    return int(text)


@bp.get("/teach/exercises/<exercise_id>/preview")
@signed_in
def preview_exercise(actor: Actor, exercise_id: str) -> Any:
    """Two students' views side by side: each seed's params, statement and reference answers."""
    version_text = request.args.get("version", "").strip()
    version = int(version_text) if version_text.isdigit() and len(version_text) < 10 else None
    seeds = (_seed("seed", 1), _seed("other", 2))
    shown = [exercises.preview(services(), actor, exercise_id, s, version) for s in seeds]
    return render_template(
        "instructor/preview.html", slug=exercise_id, shown=shown, seeds=seeds, version=version
    )


@bp.get("/teach/exercises/<exercise_id>/versions")
@signed_in
def exercise_versions(actor: Actor, exercise_id: str) -> Any:
    history = exercises.versions(services(), actor, exercise_id)
    return render_template(
        "instructor/versions.html", history=history, saved=request.args.get("saved")
    )


@bp.get("/teach/exercises/<exercise_id>/diff")
@signed_in
def exercise_diff(actor: Actor, exercise_id: str) -> Any:
    old = request.args.get("from", "")
    new = request.args.get("to", "")
    if not (old.isdigit() and new.isdigit() and len(old) < 10 and len(new) < 10):
        raise Invalid("choose two versions to compare")
    found = exercises.diff(services(), actor, exercise_id, int(old), int(new))
    return render_template("instructor/diff.html", diff=found)
