"""Home page, security headers, error pages and plot helpers."""

from __future__ import annotations

from datetime import timedelta

from grader.db.models import Assignment, utcnow
from grader.web.plots import wrong_spans, y_limits


def test_home_lists_courses_with_due_dates_attempts_and_best_score(pages, web, page_text):
    with web.svc.db.write() as session:
        session.get(Assignment, web.assignment_id).due_at = utcnow() + timedelta(days=2)
    pages.sign_in(web.student)
    pages.submit({"answer-dz-0": "4x"})
    pages.submit({"answer-dz-0": "20x"})
    text = page_text(pages.get("/"))
    assert "Calculus" in text and "Chain rule through an intermediate variable" in text
    assert "2 used, 3 left" in text and "1 / 3" in text
    assert "UTC" in text and "open" in text


def test_home_without_courses_says_so(pages, web, page_text):
    pages.sign_in(web.outsider)
    assert "not enrolled in any course" in page_text(pages.get("/"))


def test_pages_send_security_headers(pages, web):
    pages.sign_in(web.student)
    for url in ("/login", "/", f"/assignments/{web.assignment_id}", "/assets/app.css"):
        headers = pages.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts_and_are_phone_ready(pages, web):
    pages.sign_in(web.student)
    html = pages.get(f"/assignments/{web.assignment_id}").get_data(as_text=True)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "<script>" not in html and " on" + "click=" not in html


def test_unknown_assignment_is_a_404_page(pages, web, page_text):
    pages.sign_in(web.student)
    response = pages.get("/assignments/9999")
    assert response.status_code == 404 and "Not found" in page_text(response)
    assert response.mimetype == "text/html"


def test_ids_beyond_any_row_are_404_pages_not_500(pages, web, page_text):
    pages.sign_in(web.student)
    for url in (
        f"/assignments/{2**70}",
        f"/submissions/{2**63}",
        f"/assignments/{2**31}/submissions",
    ):
        response = pages.get(url)
        assert response.status_code == 404 and "Not found" in page_text(response)


def test_history_page_number_beyond_any_page_is_not_500(pages, web):
    pages.sign_in(web.teacher)
    url = f"/assignments/{web.assignment_id}/submissions"
    for page in (10**20, 2**63, 10**9):
        assert pages.get(url, query_string={"page": page}).status_code == 200


def test_usernames_are_escaped(pages, web):
    response = pages.post("/login", {"username": "<b>x</b>", "password": "whatever1"})
    html = response.get_data(as_text=True)
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_static_preview_script_is_served(client):
    response = client.get("/assets/preview.js")
    assert response.status_code == 200 and "fetch(" in response.get_data(as_text=True)


def test_wrong_spans_cover_consecutive_wrong_points():
    xs = [0.0, 1.0, 2.0, 3.0, 4.0]
    assert wrong_spans(xs, [False, True, True, False, True]) == [(0.5, 2.5), (3.5, 4.5)]
    assert wrong_spans(xs, [False] * 5) == []


def test_y_limits_ignore_poles_and_nans():
    low, high = y_limits([1.0, 2.0, float("nan"), 1e12] + [1.5] * 100)
    assert low < 1.0 and high < 1e6
    assert y_limits([float("nan")]) is None


def test_unknown_addresses_get_the_sites_styled_404_page(pages, web, page_text):
    for url in ("/no/such/page", "/assignments/", "/favicon.png"):
        response = pages.get(url)
        assert response.status_code == 404 and response.mimetype == "text/html"
        html = response.get_data(as_text=True)
        assert "/assets/app.css" in html and "Werkzeug" not in html
        assert "no page at this address" in page_text(response)
    pages.sign_in(web.student)
    signed = pages.get("/nowhere")
    assert "stu" in page_text(signed) and "Back to my courses" in page_text(signed)
    wrong_method = pages.get("/logout")
    assert wrong_method.status_code == 405 and "/assets/app.css" in wrong_method.get_data(
        as_text=True
    )
    assert "POST" in wrong_method.headers["Allow"]


def test_unknown_api_addresses_stay_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.is_json
    assert response.get_json()["error"]["code"] == "not_found"


def test_favicon_is_served_and_named_by_every_page(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert b"<svg" in icon.data
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)


def test_course_page_lists_its_assignments_and_breadcrumbs_lead_there(pages, web, page_text):
    pages.sign_in(web.student)
    url = f"/courses/{web.course_id}"
    response = pages.get(url)
    assert response.status_code == 200
    text = page_text(response)
    assert "Calculus" in text and "Chain rule through an intermediate variable" in text
    assert "0 used, 5 left" in text
    for page in (
        f"/assignments/{web.assignment_id}",
        f"/assignments/{web.assignment_id}/submissions",
    ):
        assert f'href="{url}"' in pages.get(page).get_data(as_text=True)
    assert f'href="{url}"' in pages.get("/").get_data(as_text=True)
    pages.sign_in(web.outsider)
    assert pages.get(url).status_code == 403
    assert pages.get("/courses/999").status_code == 404


def test_sign_in_hint_sends_students_to_their_instructor(client, page_text):
    text = page_text(client.get("/login"))
    assert "Ask your instructor" in text and "python -m grader" not in text


def test_home_says_done_when_no_attempts_are_left(pages, web, page_text):
    _set_attempts(web, 1)
    pages.sign_in(web.student)
    pages.submit({"answer-dz-0": "4x"})
    text = page_text(pages.get("/"))
    assert "done: no attempts left" in text and " open " not in text


def _set_attempts(web, n: int) -> None:
    with web.svc.db.write() as session:
        session.get(Assignment, web.assignment_id).max_attempts = n


def test_a_busy_connection_pool_is_a_503_page_like_the_apis_503(pages, web, monkeypatch):
    """Every pooled connection busy past the pool's timeout: the page and the API say the same
    (503, Retry-After, nothing changed) instead of a 500."""
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from grader.services.courses import course as courses

    def busy(*_args, **_kwargs):
        raise PoolTimeout("QueuePool limit of size 5 overflow 10 reached")

    pages.sign_in(web.student)
    monkeypatch.setattr(courses, "overview", busy)
    page = pages.get("/")
    assert page.status_code == 503 and page.headers["Retry-After"]
    assert "nothing was changed" in page.get_data(as_text=True)
    monkeypatch.setattr(courses, "list_courses", busy)
    api = pages.client.get("/api/v1/courses", headers=web.student.headers)
    assert api.status_code == 503 and api.get_json()["error"]["code"] == "database_unavailable"


def test_an_extension_shows_on_the_home_and_course_pages(pages, web, page_text):
    """After +2 attempts and a later due date, every page says so (not only the exercise)."""
    from grader.services.gradebook import scores as gradebook

    old_due = utcnow() + timedelta(hours=2)
    with web.svc.db.write() as session:
        row = session.get(Assignment, web.assignment_id)
        row.due_at, row.max_attempts = old_due, 1
    pages.sign_in(web.student)
    pages.submit({"answer-dz-0": "4x"})
    assert "1 used, 0 left" in page_text(pages.get("/"))
    later = old_due + timedelta(days=3)
    gradebook.set_extension(web.svc, web.teacher.actor, web.assignment_id, "stu", later, 2)
    for url in ("/", f"/courses/{web.course_id}"):
        text = page_text(pages.get(url))
        assert "1 used, 2 left" in text, url
        assert f"{later:%Y-%m-%d %H:%M}" in text and f"{old_due:%Y-%m-%d %H:%M}" not in text
        assert "no attempts left" not in text
