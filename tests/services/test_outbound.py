"""The outbound address policy, against local listeners: what an LMS or an instructor names
is never reached when it is internal (loopback in any spelling, private, link-local and
metadata, CGNAT, 192.0.0.0/24, IPv4 hidden in IPv6), a name is resolved once and the request
goes to the address checked (no DNS rebinding), redirects are not followed, and errors never
carry the remote body."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from grader.config import LtiSettings
from grader.services.errors import Invalid
from grader.services.integrations import outbound

STRICT = LtiSettings()
DEV = LtiSettings(allow_private_urls=True)


class Listener:
    """An HTTP server on loopback that counts what reaches it and answers with a secret."""

    def __init__(self, status: int = 200, location: str = ""):
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                hits.append(self.path)
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                body = b"instance-secret-credentials"
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    found = Listener()
    yield found
    found.close()


LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "127.1",
    "127.0.0.2",
    "2130706433",
    "0x7f000001",
    "0x7f.0.0.1",
    "0177.0.0.1",
    "localhost",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "[0:0:0:0:0:ffff:7f00:1]",
    "0.0.0.0",
    "0",
]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_loopback_in_any_spelling_is_refused_and_never_reached(listener, host):
    with outbound.client(STRICT) as http, pytest.raises(outbound.DestinationRefused):
        http.get(f"http://{host}:{listener.port}/latest/meta-data/")
    with outbound.client(STRICT) as http, pytest.raises(outbound.DestinationRefused):
        http.get(f"https://{host}:{listener.port}/latest/meta-data/")
    assert listener.hits == []


INTERNAL = [
    "169.254.169.254",  # cloud metadata
    "[fd00:ec2::254]",  # AWS metadata over IPv6
    "[::ffff:169.254.169.254]",
    "[64:ff9b::a9fe:a9fe]",  # NAT64 of 169.254.169.254
    "[2002:7f00:1::]",  # 6to4 of 127.0.0.1
    "100.64.0.1",  # CGNAT
    "100.127.255.254",
    "192.0.0.8",
    "192.0.0.170",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "[fe80::1]",
    "[fc00::1]",
    "224.0.0.1",
    "240.0.0.1",
    "198.18.0.1",
]


@pytest.mark.parametrize("host", INTERNAL)
def test_internal_addresses_are_refused_before_any_connection(host):
    seen = []
    transport = httpx.MockTransport(lambda request: seen.append(request) or httpx.Response(200))
    with outbound.client(STRICT, transport) as http, pytest.raises(outbound.DestinationRefused):
        http.get(f"https://{host}/x")
    assert seen == []


def fake_resolver(monkeypatch, answers: dict[str, list[list[str]]]):
    """getaddrinfo answering each name from a list per call (the last one repeats)."""
    calls: list[str] = []

    def resolve(host, port, *args, **kwargs):
        calls.append(host)
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        queue = answers[host]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return calls


def test_a_name_is_resolved_once_and_the_request_goes_to_the_checked_address(monkeypatch):
    """DNS rebinding: public at the check, loopback right after; the request still goes to
    the public address, with the name in Host."""
    calls = fake_resolver(monkeypatch, {"rebind.example": [["93.184.216.34"], ["127.0.0.1"]]})
    seen = []
    transport = httpx.MockTransport(lambda request: seen.append(request) or httpx.Response(204))
    with outbound.client(STRICT, transport) as http:
        assert http.get("https://rebind.example/roster").status_code == 204
    [request] = seen
    assert request.url.host == "93.184.216.34" and request.headers["Host"] == "rebind.example"
    assert request.extensions["sni_hostname"] == "rebind.example"  # TLS checks the name
    assert calls == ["rebind.example"]


@pytest.mark.parametrize(
    "addresses",
    [["127.0.0.1"], ["93.184.216.34", "10.1.2.3"], ["169.254.169.254"], ["::1"], ["100.64.9.9"]],
)
def test_a_name_resolving_to_any_internal_address_is_refused(monkeypatch, addresses):
    fake_resolver(monkeypatch, {"lms.example": [addresses]})
    with pytest.raises(outbound.DestinationRefused, match="internal"):
        outbound.check_destination("https://lms.example/x", STRICT)


def test_a_name_that_does_not_resolve_is_refused(monkeypatch):
    fake_resolver(monkeypatch, {})
    with pytest.raises(outbound.DestinationRefused, match="does not resolve"):
        outbound.check_destination("https://nowhere.invalid/x", STRICT)
    with pytest.raises(Invalid, match="does not resolve"):
        outbound.check_destination_url("https://nowhere.invalid/x", STRICT, "the webhook URL")


def test_plain_http_is_refused_for_public_hosts_and_allowed_only_to_loopback_in_development(
    monkeypatch, listener
):
    fake_resolver(monkeypatch, {"lms.example": [["93.184.216.34"]], "127.0.0.1": [["127.0.0.1"]]})
    with pytest.raises(outbound.DestinationRefused, match="https"):
        outbound.check_destination("http://lms.example/x", STRICT)
    with pytest.raises(outbound.DestinationRefused, match="https"):
        outbound.check_destination("http://lms.example/x", DEV)
    with outbound.client(DEV) as http:
        assert http.get(f"http://127.0.0.1:{listener.port}/ok").status_code == 200
    assert listener.hits == ["/ok"]


def test_user_names_in_urls_are_refused():
    with pytest.raises(outbound.DestinationRefused, match="user name"):
        outbound.check_destination("https://admin:pw@lms.example/x", STRICT)


def test_redirects_are_never_followed():
    target = Listener()
    bouncer = Listener(302, f"http://127.0.0.1:{target.port}/latest/meta-data/")
    try:
        with outbound.client(DEV) as http:
            response = http.get(f"http://127.0.0.1:{bouncer.port}/lineitems")
        assert response.status_code == 302 and target.hits == []
        assert outbound.verdict(response.status_code, response.headers) is outbound.Verdict.FAIL
    finally:
        target.close()
        bouncer.close()


def test_a_public_server_redirecting_to_metadata_is_not_followed(monkeypatch):
    fake_resolver(monkeypatch, {"lms.example": [["93.184.216.34"]]})
    seen = []

    def answer(request):
        seen.append(request)
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/"})

    with outbound.client(STRICT, httpx.MockTransport(answer)) as http:
        assert http.get("https://lms.example/roster").status_code == 302
    assert len(seen) == 1


def test_errors_summarise_the_answer_and_never_carry_its_body(listener):
    with outbound.client(DEV) as http:
        response = http.get(f"http://127.0.0.1:{listener.port}/x")
    summary = outbound.describe(response)
    assert summary.startswith("HTTP 200") and "bytes" in summary
    assert "secret" not in summary


def test_a_refused_destination_is_permanent_and_says_why():
    retry, message = outbound.unreachable(outbound.DestinationRefused("the URL: 10.0.0.1 ..."))
    assert retry is False and message.startswith("refused")
    retry, _ = outbound.unreachable(httpx.ConnectError("reset"))
    assert retry is True


def test_a_roster_at_an_internal_address_is_refused_and_its_body_never_returned(world, listener):
    """The attack of issue 21: a roster sync to the metadata service returned its body."""
    from grader.services.integrations.lti import nrps as lti_nrps
    from grader.services.integrations.lti import tokens as lti_tokens

    platform = lti_tokens.Platform(1, "client", f"http://127.0.0.1:{listener.port}/token")
    with pytest.raises(lti_nrps.RosterError) as info:
        lti_nrps.fetch_members(world.svc, platform, f"http://127.0.0.1:{listener.port}/latest/")
    assert "refused" in info.value.message and "secret" not in info.value.message
    assert listener.hits == []


def test_a_webhook_to_an_internal_address_cannot_be_subscribed(world):
    for url in ("https://169.254.169.254/hook", "https://100.64.0.1/hook", "https://127.1/x"):
        with pytest.raises(Invalid, match="internal"):
            from grader.services.integrations import webhooks

            webhooks.subscribe(world.svc, world.teacher.actor, world.course_id, url)


def test_a_launch_naming_internal_grade_and_roster_urls_does_not_keep_them(world):
    from grader.services.integrations.lti import launch as lti_launch

    ags = {"lineitems": "https://169.254.169.254/latest/", "lineitem": "https://10.0.0.9/li"}
    nrps = {"context_memberships_url": "http://127.0.0.1:9/latest/meta-data/"}
    claims = {lti_launch.AGS_ENDPOINT: ags, lti_launch.NRPS: nrps}
    launch = lti_launch.Launch(
        1, "https://lms", "c", "d", "LtiResourceLinkRequest", "s", "student", claims
    )
    lti_launch._drop_refused_services(world.svc, launch)
    assert ags == {} and nrps == {}
