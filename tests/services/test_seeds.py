from grader.services.assignments.seeds import student_seed


def test_seed_is_stable_per_student_and_differs_between_classmates():
    assert student_seed("k", 1, 7) == student_seed("k", 1, 7)
    seeds = {student_seed("k", s, 7) for s in range(50)}
    assert len(seeds) == 50
    assert student_seed("k", 1, 7) != student_seed("other", 1, 7)
    assert all(0 <= s < 2**31 for s in seeds)
