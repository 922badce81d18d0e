"""Exercises: the library of uploaded exercises, their immutable versions, authoring tools, a
student's instance of a version (`instances`), and the Markdown-with-math rendering of
statements and feedback."""

from grader.services.exercises.library import (
    copy,
    delete_exercise,
    diff,
    get_exercise,
    import_files,
    list_exercises,
    preview,
    upload,
    upload_bundle,
    validate,
    versions,
    yaml_files,
)
from grader.services.exercises.markup import latex_to_mathml, render_feedback, render_markdown

__all__ = [
    "copy",
    "delete_exercise",
    "diff",
    "get_exercise",
    "import_files",
    "latex_to_mathml",
    "list_exercises",
    "preview",
    "render_feedback",
    "render_markdown",
    "upload",
    "upload_bundle",
    "validate",
    "versions",
    "yaml_files",
]
