"""LTI fixtures: a fake LMS on loopback registered with the tool, and a browser-style driver."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest

from grader.services.integrations.lti import platforms as lti_platforms
from tests.lti.fake_platform import DEPLOYMENT, INSTRUCTOR, LEARNER, FakePlatform
from tests.web.conftest import cheap_hashes, pages, text_of, web  # noqa: F401  (fixtures)


def allow_loopback(world) -> None:
    """The fake LMS and receivers listen on loopback over http: allowed in development only."""
    lti = replace(world.svc.config.lti, allow_private_urls=True)
    world.svc.config = replace(world.svc.config, lti=lti)


@pytest.fixture
def platform(app, client, world):
    allow_loopback(world)
    fake = FakePlatform(lambda: client.get("/lti/jwks").get_json()).start()
    lti_platforms.register(world.svc, **fake.registration())
    yield fake
    fake.stop()


class Lms:
    """What the LMS and the browser do: initiate login, follow to auth, post the id_token."""

    def __init__(self, client, platform: FakePlatform):
        self.client = client
        self.platform = platform

    def login(self, method: str = "GET", **params):
        query = {
            "iss": self.platform.issuer,
            "login_hint": "hint-1",
            "target_link_uri": "http://localhost/lti/launch",
            "lti_message_hint": "msg-hint-1",
            "client_id": "tool-client-1",
            "lti_deployment_id": DEPLOYMENT,
            **params,
        }
        if method == "POST":
            return self.client.post("/lti/login", data=query)
        return self.client.get("/lti/login", query_string=query)

    def auth_request(self, response) -> dict[str, str]:
        assert response.status_code == 302, response.get_data(as_text=True)
        location = response.headers["Location"]
        assert location.startswith(self.platform.url + "/auth?")
        return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}

    def begin(self) -> dict[str, str]:
        return self.auth_request(self.login())

    def launch(self, role: str = LEARNER, key=None, header=None, state=None, **claims):
        """A whole launch; `claims` override the id_token's (None removes one)."""
        auth = self.begin()
        token_claims = self.platform.claims(auth["nonce"], role, **claims)
        token = self.platform.id_token(token_claims, key, **(header or {}))
        return self.post(token, auth["state"] if state is None else state)

    def post(self, token: str, state: str):
        return self.client.post("/lti/launch", data={"id_token": token, "state": state})


@pytest.fixture
def lms(client, platform) -> Lms:
    return Lms(client, platform)


@pytest.fixture
def roles():
    return {"learner": LEARNER, "instructor": INSTRUCTOR}


@pytest.fixture
def page_text():
    """A page's text without tags, in lower case (for asserting what a reader is told)."""
    return lambda response: text_of(response).lower()


def link_assignment(world, resource_link_id: str = "link-1") -> None:
    """Tie a launched resource link (and its LMS course) to `world`'s assignment and course."""
    from sqlalchemy import select

    from grader.db.integrations import LtiContext, LtiResourceLink

    with world.svc.db.write() as session:
        link = session.scalar(
            select(LtiResourceLink).where(LtiResourceLink.resource_link_id == resource_link_id)
        )
        link.assignment_id = world.assignment_id
        session.get(LtiContext, link.context_pk).course_id = world.course_id


@pytest.fixture
def lti_student(lms, world):
    """A student who came from the LMS, enrolled in `world`'s course through a launch."""
    from sqlalchemy import select

    from grader.db.integrations import LtiUser
    from grader.db.models import User
    from grader.services.context import Actor

    lms.launch(LEARNER)
    link_assignment(world)
    assert lms.launch(LEARNER).status_code == 200
    with world.svc.db.read() as session:
        user = session.scalar(select(User).join(LtiUser, LtiUser.user_id == User.id))
        return Actor(user.id, user.username, user.role)
