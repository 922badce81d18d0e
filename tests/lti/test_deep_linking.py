"""Deep Linking 2.0: the instructor picks an exercise in the LMS; the tool creates the
assignment and posts back a signed LtiDeepLinkingResponse the platform can verify."""

from __future__ import annotations

import re

import jwt
from sqlalchemy import select

from grader.db.models import Assignment
from tests.lti.fake_platform import CLAIM, CLIENT_ID, DEPLOYMENT, INSTRUCTOR, LEARNER

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


def deep_link_claims(platform) -> dict:
    return {
        CLAIM + "message_type": "LtiDeepLinkingRequest",
        CLAIM + "resource_link": None,
        DL + "deep_linking_settings": {
            "deep_link_return_url": f"{platform.url}/deep-link-return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "data": "opaque-platform-data",
        },
    }


def code_of(response) -> str:
    return re.search(r'name="code" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def verify_with_tool_keys(client, token: str) -> dict:
    keys = {k["kid"]: k for k in client.get("/lti/jwks").get_json()["keys"]}
    key = jwt.PyJWK(keys[jwt.get_unverified_header(token)["kid"]], algorithm="RS256")
    return jwt.decode(
        token, key, algorithms=["RS256"], audience=None, options={"verify_aud": False}
    )


def test_the_deep_linking_round_trip(lms, client, world, page_text):
    picker = lms.launch(INSTRUCTOR, sub="teacher-1", **deep_link_claims(lms.platform))
    assert picker.status_code == 200 and "choose an exercise" in page_text(picker)
    form = {"code": code_of(picker), "exercise_id": "chain-rule-intro", "title": "Week 3"}
    answer = client.post("/lti/deep-link", data={**form, "max_attempts": "3"})
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert f'action="{lms.platform.url}/deep-link-return"' in html
    assert f"form-action 'self' {lms.platform.url}" in answer.headers["Content-Security-Policy"]
    token = re.search(r'name="JWT" value="([^"]+)"', html).group(1)
    claims = verify_with_tool_keys(client, token)
    assert claims["iss"] == CLIENT_ID and claims["aud"] == lms.platform.issuer
    assert claims[CLAIM + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[CLAIM + "version"] == "1.3.0"
    assert claims[CLAIM + "deployment_id"] == DEPLOYMENT
    assert claims[DL + "data"] == "opaque-platform-data"
    assert claims["nonce"] and claims["exp"] > claims["iat"]
    [item] = claims[DL + "content_items"]
    assert item["type"] == "ltiResourceLink" and item["title"] == "Week 3"
    assert item["url"] == "http://localhost/lti/launch"
    assert item["lineItem"]["scoreMaximum"] > 0
    with world.svc.db.read() as session:
        created = session.get(Assignment, int(item["custom"]["assignment_id"]))
        assert created.max_attempts == 3
    # the LMS places the link; a student's launch carries our custom id and lands on it
    student = lms.launch(
        LEARNER,
        **{
            CLAIM + "resource_link": {"id": "placed-1"},
            CLAIM + "custom": {"assignment_id": str(created.id)},
        },
    )
    assert f'href="/assignments/{created.id}"' in student.get_data(as_text=True)
    assert client.get(f"/assignments/{created.id}").status_code == 200
    again = client.post("/lti/deep-link", data=form)
    assert again.status_code == 400  # the picker's code works once


def test_a_custom_id_of_another_course_is_not_linked(lms, world, page_text):
    other = lms.launch(
        LEARNER,
        **{CLAIM + "custom": {"assignment_id": str(world.assignment_id)}},  # not this LMS course
    )
    assert "not set up yet" in page_text(other)
    with world.svc.db.read() as session:
        assert session.scalar(select(Assignment.id).where(Assignment.id == world.assignment_id))


def test_a_learner_cannot_deep_link(lms, page_text):
    response = lms.launch(LEARNER, **deep_link_claims(lms.platform))
    assert response.status_code == 403 and "only instructors" in page_text(response)


def test_a_deep_linking_request_without_a_return_url_is_refused(lms, page_text):
    claims = deep_link_claims(lms.platform)
    claims[DL + "deep_linking_settings"] = {"accept_types": ["ltiResourceLink"]}
    response = lms.launch(INSTRUCTOR, **claims)
    assert response.status_code == 400 and "deep_link_return_url" in page_text(response)


def test_an_unknown_exercise_shows_the_form_again_with_the_problem(lms, client, page_text):
    picker = lms.launch(INSTRUCTOR, sub="teacher-1", **deep_link_claims(lms.platform))
    response = client.post(
        "/lti/deep-link", data={"code": code_of(picker), "exercise_id": "no-such-exercise"}
    )
    assert response.status_code == 422 and "choose an exercise" in page_text(response)
    assert "no-such-exercise" in page_text(response)
    fixed = client.post(
        "/lti/deep-link", data={"code": code_of(response), "exercise_id": "chain-rule-intro"}
    )
    assert fixed.status_code == 200 and 'name="JWT"' in fixed.get_data(as_text=True)


def test_bad_settings_name_the_field(lms, client, page_text):
    picker = lms.launch(INSTRUCTOR, sub="teacher-1", **deep_link_claims(lms.platform))
    form = {"code": code_of(picker), "exercise_id": "chain-rule-intro", "max_attempts": "-1"}
    response = client.post("/lti/deep-link", data=form)
    assert response.status_code == 422 and "attempts" in page_text(response)


def test_a_return_url_that_is_not_https_is_refused(lms, page_text):
    claims = deep_link_claims(lms.platform)
    claims[DL + "deep_linking_settings"]["deep_link_return_url"] = "javascript:alert(1)"
    response = lms.launch(INSTRUCTOR, **claims)
    assert response.status_code == 400 and "deep_link_return_url must" in page_text(response)


def test_deep_linking_offers_the_courses_assignments(lms, client, world, page_text):
    first = lms.launch(INSTRUCTOR, sub="teacher-1", **deep_link_claims(lms.platform))
    form = {"code": code_of(first), "exercise_id": "chain-rule-intro", "title": "Week 1"}
    assert client.post("/lti/deep-link", data=form).status_code == 200
    picker = lms.launch(INSTRUCTOR, sub="teacher-1", **deep_link_claims(lms.platform))
    html = picker.get_data(as_text=True)
    assert "choose one of the course's assignments" in page_text(picker)
    (offered,) = re.findall(r'<option value="(\d+)">', html)
    answer = client.post(
        "/lti/deep-link", data={"code": code_of(picker), "assignment_id": offered, "title": ""}
    )
    assert answer.status_code == 200
    token = re.search(r'name="JWT" value="([^"]+)"', answer.get_data(as_text=True)).group(1)
    [item] = verify_with_tool_keys(client, token)[DL + "content_items"]
    assert item["custom"] == {"assignment_id": offered}
    assert item["lineItem"]["scoreMaximum"] == 3.0
    with world.svc.db.read() as session:  # no new assignment was made
        assert len(session.scalars(select(Assignment)).all()) == 2
    again = lms.launch(INSTRUCTOR, sub="teacher-1", **deep_link_claims(lms.platform))
    other = client.post(
        "/lti/deep-link",
        data={"code": code_of(again), "assignment_id": str(world.assignment_id)},
    )
    assert other.status_code == 422  # another course's assignment: refused, the form again
    assert "no assignment" in page_text(other) or "not a member" in page_text(other)
