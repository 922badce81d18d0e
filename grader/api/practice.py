"""/api/v1 practice: the next generated item, answers to it, mastery, the skill map."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag

from grader.api.common import PREFIX, SECURITY, actor, error_responses, svc
from grader.api.schemas import (
    CourseMastery,
    CourseMisconceptions,
    CoursePath,
    MisconceptionQuery,
    PracticeAnswers,
    PracticeGraded,
    PracticeItemPath,
    PracticeNext,
    PracticeQuery,
    Preview,
    PreviewBody,
    SkillMap,
)
from grader.services import practice

bp = APIBlueprint(
    "practice",
    __name__,
    url_prefix=PREFIX,
    abp_tags=[Tag(name="practice")],
    abp_security=SECURITY,
    abp_responses=error_responses(),
)


@bp.get("/courses/<int:course_id>/practice/next", responses={200: PracticeNext})
def next_item(path: CoursePath, query: PracticeQuery):
    """The next practice item for you in the course (its members), with the reason it comes
    next: your unanswered item if there is one, else a fresh one the scheduler chose from your
    mastery and recent misconceptions. `?skill=` practises one skill."""
    return practice.next_item(svc(), actor(), path.course_id, query.skill).to_dict()


@bp.get("/practice/items/<int:item_id>", responses={200: PracticeNext})
def get_item(path: PracticeItemPath):
    """One of your practice items again (for review)."""
    return practice.get_item(svc(), actor(), path.item_id).to_dict()


@bp.post("/practice/items/<int:item_id>/preview", responses={200: Preview})
def preview(path: PracticeItemPath, body: PreviewBody):
    """How an answer to one of your items is read (LaTeX and MathML), or 422 with the column."""
    services, who = svc(), actor()
    services.rate_limiter.check(who.id)
    return practice.preview_answer(services, who, path.item_id, body.expression, body.part)


@bp.post("/practice/items/<int:item_id>/submissions", responses={200: PracticeGraded})
def submit(path: PracticeItemPath, body: PracticeAnswers):
    """Grade your answers to an item at once: the result as for assignments (score, feedback,
    diagnosis per part) and your mastery of its skills now. The first answer to an item counts
    for mastery (`counted`); later ones get feedback only. Unreadable answers: 422, nothing
    counted."""
    services, who = svc(), actor()
    services.rate_limiter.check(who.id)
    return practice.submit(services, who, path.item_id, dict(body.answers)).to_dict()


@bp.get("/courses/<int:course_id>/mastery", responses={200: CourseMastery})
def course_mastery(path: CoursePath):
    """Mastery per skill of the course: your own (students), every student's (its staff).
    Levels: not_started, attempted, familiar, proficient, mastered."""
    return practice.course_mastery(svc(), actor(), path.course_id).to_dict()


@bp.get("/courses/<int:course_id>/misconceptions", responses={200: CourseMisconceptions})
def misconceptions(path: CoursePath, query: MisconceptionQuery):
    """The course's diagnosed misconceptions per week, most frequent first (its staff)."""
    return practice.misconceptions(svc(), actor(), path.course_id, query.weeks).to_dict()


@bp.get("/skills", responses={200: SkillMap})
def skills():
    """The skill map: skills with their prerequisites and templates, the levels, and which
    diagnosis is evidence against which skill (any signed-in user)."""
    actor()
    return practice.skills_catalogue()
