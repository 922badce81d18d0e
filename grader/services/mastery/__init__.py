"""Mastery: each student's estimate per skill and the evidence behind it.

Below both grading (which records the evidence of assignments' graded parts in the
transaction that stores them) and practice (which serves items and records theirs), so
neither imports the other through it."""

from grader.services.mastery.evidence import (
    Mastery,
    cached_skills,
    progress,
    recent,
    record,
    record_submissions,
    standing,
    version_skills,
)

__all__ = [
    "Mastery",
    "cached_skills",
    "progress",
    "recent",
    "record",
    "record_submissions",
    "standing",
    "version_skills",
]
