"""What a class got wrong, per assignment part: attempts, first-try success, and the most
common wrong answers grouped by the mistake they make, each with its diagnosis; and the
distribution of the students' scores.

Students draw different params, so one mistake is many functions (cos(3x^2) for k = 3,
cos(4x^2) for k = 4): an answer is judged at its own student's draw and grouped by the
mistake it matches there (``engine.mistake_groups``), shown by the answer typed most often
and its form in the params (cos(k*x^2)). An answer that matches no known mistake is grouped
with the answers equal to it as functions (values at one draw's sample points).

Code answers (a backward pass in Python) are never alike as text: they are grouped by the bug
the grading named (``transposed gradient: 12 students``), shown by that bug's name in the
reader's language, with the diagnosis code beside it.

Preview submissions (instructors trying the assignment) never count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader import languages
from grader.db.models import Assignment, HelpTaken, Membership, Submission
from grader.engine.equivalence import Signatures
from grader.engine.messages import Message, render
from grader.engine.mistake_groups import MistakeGroups
from grader.services import translation
from grader.services.assignments import questions
from grader.services.context import Actor, Services
from grader.services.gradebook.scores import Cell, columns, counted_scores, staff_assignment
from grader.vocabulary import SubmissionStatus

TOP_WRONG = 10
BINS = 10
UNKNOWN_BUG = "unknown"  # a wrong code answer that no known bug explains


def bug_name(bug: str) -> str:
    """A code part's bug as an instructor reads it ("Transposed gradient"), in the language of
    the request (the message ``code.name.<bug>``; the code itself where it has no name)."""
    words = translation.engine_words(languages.current())
    code = f"code.name.{bug}"
    return render([Message(code)], "plain", words) if code in words else bug


@dataclass
class Group:
    """Wrong answers that are one function: how they were typed, by whom, diagnosed as what."""

    texts: Counter = field(default_factory=Counter)
    students: set = field(default_factory=set)
    diagnoses: Counter = field(default_factory=Counter)
    feedback: Counter = field(default_factory=Counter)
    typed: dict = field(default_factory=dict)  # text -> (answer, seed) of its first student
    mistake: tuple[str, ...] | None = None  # the mistake's key, when it is a known one
    draws: set = field(default_factory=set)  # the seeds' param draws the answers came from
    form: str | None = None  # the answer typed most often, written in the params
    bug: str | None = None  # a code part's group: the bug named ("unknown" where none was)

    @property
    def answer(self) -> str:
        return self.texts.most_common(1)[0][0]

    def to_dict(self) -> dict[str, Any]:
        diagnosis = self.diagnoses.most_common(1)[0][0] if self.diagnoses else None
        if self.bug is not None:
            return {
                "kind": "bug",
                "answer": bug_name(self.bug),
                "form": None,
                "draws": len(self.draws),
                "count": len(self.students),
                "submissions": sum(self.texts.values()),
                "diagnosis": None if self.bug == UNKNOWN_BUG else self.bug,
                "feedback": self.feedback.most_common(1)[0][0] if self.feedback else None,
                "variants": [],
            }
        return {
            "kind": "answer",
            "answer": self.answer,
            "form": self.form,
            "draws": len(self.draws),
            "count": len(self.students),
            "submissions": sum(self.texts.values()),
            "diagnosis": diagnosis,
            "feedback": self.feedback.most_common(1)[0][0] if self.feedback else None,
            "variants": [text for text, _ in self.texts.most_common(5)],
        }


@dataclass
class PartStats:
    attempts: int = 0
    tries: dict[int, int] = field(default_factory=dict)  # student -> attempts at this part
    solved_at: dict[int, int] = field(default_factory=dict)  # student -> attempts to correct
    first: dict[int, bool] = field(default_factory=dict)  # student -> right at the first try
    groups: dict[Any, Group] = field(default_factory=dict)

    def ranked(self) -> list[Group]:
        """The most common mistakes first (by students, then by submissions)."""
        groups = sorted(
            self.groups.values(), key=lambda g: (-len(g.students), -sum(g.texts.values()))
        )
        return groups[:TOP_WRONG]

    def to_dict(self) -> dict[str, Any]:
        students = len(self.tries)
        solved = list(self.solved_at.values())
        ranked = self.ranked()
        return {
            "attempts": self.attempts,
            "students": students,
            "first_try_correct": round(sum(self.first.values()) / students, 4)
            if students
            else None,
            "students_correct": len(solved),
            "mean_attempts_to_correct": round(sum(solved) / len(solved), 3) if solved else None,
            "wrong_answers": [g.to_dict() for g in ranked],
        }


def _text(answer: Any) -> str:
    return ", ".join(answer) if isinstance(answer, list) else str(answer)


def _blank(answer: Any) -> bool:
    texts = answer if isinstance(answer, list) else [answer]
    return all(not str(t or "").strip() for t in texts)


def analytics(svc: Services, actor: Actor, assignment_id: int) -> dict[str, Any]:
    """{"parts": {part id: {attempts, students, first_try_correct, students_correct,
    mean_attempts_to_correct, wrong_answers: [{answer, form, draws, count, submissions,
    diagnosis, feedback, variants}], help: {students_with_steps, students_with_hints,
    hints_revealed}}}, "questions": [{id, number, alternatives: [{exercise_id,
    title, parts}]}], "score_distribution": {...}}: per question and pool alternative; "parts"
    is the first question's (first alternative's), as for a one-exercise assignment."""
    with svc.db.read() as session:
        row = staff_assignment(session, actor, assignment_id)
        col = columns(session, [row])[0]
        items = list(row.questions)
        versions = questions.alternatives(session, questions.version_ids(items))
        subs = session.execute(
            select(
                Submission.question_id,
                Submission.exercise_version_id,
                Submission.student_id,
                Submission.seed,
                Submission.answers,
                Submission.results,
            )
            .where(
                Submission.assignment_id == assignment_id,
                Submission.preview.is_(False),
                Submission.status == SubmissionStatus.GRADED,
            )
            .order_by(Submission.student_id, Submission.attempt)
        ).all()
        cells = counted_scores(session, [col])
        helped = help_taken(session, row)
    out_questions: list[dict[str, Any]] = []
    for number, q in enumerate(items, start=1):
        alternatives = []
        for version_id in questions.alternative_ids(q):
            alt = versions[version_id]
            mine = [
                s for s in subs if s.question_id == q.id and s.exercise_version_id == version_id
            ]
            parts = _alternative_parts(svc.exercises.get(version_id, alt.sha256), mine)
            for part_id, stats in parts.items():
                stats["help"] = helped.get((q.id, part_id), dict(NO_HELP))
            alternatives.append({"exercise_id": alt.slug, "title": alt.title, "parts": parts})
        out_questions.append({"id": q.id, "number": number, "alternatives": alternatives})
    first = out_questions[0]["alternatives"][0] if out_questions else {"parts": {}}
    return {
        "assignment_id": assignment_id,
        "title": col.title,
        "parts": first["parts"],
        "questions": out_questions,
        "score_distribution": distribution(cells, col.max_score),
    }


NO_HELP = {"students_with_steps": 0, "students_with_hints": 0, "hints_revealed": 0}


def help_taken(session: Session, row: Assignment) -> dict[tuple[int, str], dict[str, int]]:
    """Per (question, part): how many of the course's students opened its steps, revealed
    a hint, and how many hints they revealed in all (#26)."""
    rows = session.execute(
        select(
            HelpTaken.question_id,
            HelpTaken.part_id,
            func.count().filter(HelpTaken.steps.is_(True)),
            func.count().filter(HelpTaken.hints > 0),
            func.coalesce(func.sum(HelpTaken.hints), 0),
        )
        .join(
            Membership,
            (Membership.user_id == HelpTaken.student_id) & (Membership.course_id == row.course_id),
        )
        .where(HelpTaken.assignment_id == row.id, Membership.role == "student")
        .group_by(HelpTaken.question_id, HelpTaken.part_id)
    ).all()
    return {
        (q, part): {
            "students_with_steps": int(steps),
            "students_with_hints": int(hinted),
            "hints_revealed": int(total),
        }
        for q, part, steps, hinted, total in rows
    }


def _alternative_parts(exercise: Any, subs: list[Any]) -> dict[str, Any]:
    """Each part of one exercise's statistics and wrong-answer groups, from its graded
    submissions (in order of student and attempt)."""
    signatures = Signatures(exercise)
    mistakes = MistakeGroups(exercise)
    parts = {p.id: PartStats() for p in exercise.parts}
    unknown: dict[str, list[Seen]] = {p.id: [] for p in exercise.parts}
    code_parts = {p.id for p in exercise.parts if p.kind == "code"}
    for sub in subs:
        results = (sub.results or {}).get("parts", {})
        for part_id, answer in (sub.answers or {}).items():
            stats = parts.get(part_id)
            result = results.get(part_id)
            if stats is None or result is None or _blank(answer):
                continue
            seen = Seen(sub.student_id, sub.seed, answer, result)
            if part_id in code_parts:
                _count_code(stats, seen, mistakes)
            elif not _count(stats, part_id, seen, mistakes):
                unknown[part_id].append(seen)
    for part_id, seen_list in unknown.items():
        _group_unknown(parts[part_id], part_id, seen_list, signatures, mistakes)
    for part_id, stats in parts.items():
        for group in stats.ranked():
            if group.mistake is not None and group.bug is None:
                answer, seed = group.typed[group.answer]
                group.form = mistakes.form(part_id, answer, seed, group.mistake)
    return {part_id: stats.to_dict() for part_id, stats in parts.items()}


@dataclass(frozen=True)
class Seen:
    """One graded answer to one part: whose, at which draw, what, and its result."""

    student: int
    seed: int
    answer: Any
    result: dict[str, Any]


def _tally(stats: PartStats, seen: Seen) -> bool:
    """Count one answer in the attempts and the first tries; True when it is right."""
    student = seen.student
    stats.attempts += 1
    tries = stats.tries.get(student, 0) + 1
    stats.tries[student] = tries
    correct = bool(seen.result.get("correct"))
    if tries == 1:
        stats.first[student] = correct
    if correct:
        stats.solved_at.setdefault(student, tries)
    return correct


def _count_code(stats: PartStats, seen: Seen, mistakes: MistakeGroups) -> None:
    """Tally one code answer; group it, when wrong, by the bug its grading named."""
    if not _tally(stats, seen):
        bug = str(seen.result.get("diagnosis") or UNKNOWN_BUG)
        _add(stats.groups.setdefault(("bug", bug), Group(bug=bug)), seen, mistakes)


def _count(stats: PartStats, part_id: str, seen: Seen, mistakes: MistakeGroups) -> bool:
    """Tally one answer; group it when it is right or a known mistake. False for a wrong
    answer the engine knows no mistake for (grouped afterwards, with the others)."""
    answer = seen.answer
    if _tally(stats, seen):
        return True
    mistake = mistakes.key(part_id, answer, seen.seed)
    if mistake is None:
        return False
    _add(stats.groups.setdefault(("mistake", mistake), Group(mistake=mistake)), seen, mistakes)
    return True


def _group_unknown(
    stats: PartStats,
    part_id: str,
    seen_list: list[Seen],
    signatures: Signatures,
    mistakes: MistakeGroups,
) -> None:
    """Group wrong answers that match no known mistake: by a reading with params that answers
    from at least two draws share (3x cos(3x^2) and 4x cos(4x^2) for k = 3, 4: kx cos(kx^2)),
    the reading most draws share, fewest numbers replaced; else by their values."""
    readings = {}
    for seen in seen_list:
        memo = (_text(seen.answer), mistakes.draw(seen.seed))
        if memo not in readings and isinstance(seen.answer, str):
            readings[memo] = mistakes.readings(part_id, seen.answer, seen.seed)
    support: dict[tuple, set[int]] = {}
    for (_, draw), found in readings.items():
        for replaced, values, _ in found:
            if replaced:
                support.setdefault(values, set()).add(draw)
    for seen in seen_list:
        text = _text(seen.answer)
        shared = [
            (-len(support[values]), replaced, values, written)
            for replaced, values, written in readings.get((text, mistakes.draw(seen.seed)), [])
            if replaced and len(support.get(values, ())) >= 2
        ]
        if shared:
            _, _, values, written = min(shared, key=lambda r: (r[0], r[1], r[3]))
            group = stats.groups.setdefault(("reading", values), Group(form=written))
        else:
            key = signatures.of(part_id, seen.answer)
            group = stats.groups.setdefault(("text", text) if key is None else key, Group())
        _add(group, seen, mistakes)


def _add(group: Group, seen: Seen, mistakes: MistakeGroups) -> None:
    student, answer, result = seen.student, seen.answer, seen.result
    text = _text(answer)
    group.texts[text] += 1
    group.typed.setdefault(text, (answer, seen.seed))
    group.draws.add(mistakes.draw(seen.seed))
    group.students.add(student)
    if result.get("diagnosis"):
        group.diagnoses[result["diagnosis"]] += 1
    if result.get("feedback"):
        group.feedback[result["feedback"]] += 1


def distribution(cells: dict[tuple[int, int], Cell], max_score: float) -> dict[str, Any]:
    """Students' counted scores in BINS equal bins of the maximum (the last holds full marks)."""
    counts = [0] * BINS
    scored = [c.score for c in cells.values() if c.score is not None]
    for score in scored:
        share = score / max_score if max_score else 0.0
        counts[min(max(int(share * BINS), 0), BINS - 1)] += 1
    edges = [round(max_score * i / BINS, 6) for i in range(BINS + 1)]
    mean = sum(scored) / len(scored) if scored else None
    return {
        "max_score": max_score,
        "edges": edges,
        "counts": counts,
        "students": len(scored),
        "mean": mean,
    }
