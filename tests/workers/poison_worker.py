"""`python tests/workers/poison_worker.py worker ...`: a worker whose grading process dies
(os._exit, as a segfault would) on any batch holding the answer "POISON"."""

from __future__ import annotations

import os
import sys

from grader.__main__ import main
from grader.services.grading import runner as grading

real_grade_claimed = grading.grade_claimed


def deadly_grade_claimed(svc, items, *args):
    if any("POISON" in str(item.answers) for item in items):
        os._exit(1)
    return real_grade_claimed(svc, items, *args)


grading.grade_claimed = deadly_grade_claimed

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
