"""/metrics is readable from the configured networks (this machine by default) or with the
metrics token; from anywhere else it is a 403 that says how to allow it."""

from __future__ import annotations

from dataclasses import replace


def test_metrics_are_readable_from_this_machine(client, world):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 200 and "grader_submissions" in response.get_data(as_text=True)


def test_metrics_are_refused_to_other_addresses_without_the_token(client, world):
    for address in ("203.0.113.9", "10.0.0.5", "::ffff:203.0.113.9"):
        response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 403
        assert "GRADER_METRICS_TOKEN" in response.get_json()["error"]["message"]


def test_the_metrics_token_and_allowed_networks_open_them(client, world):
    world.svc.config = replace(
        world.svc.config, metrics_token="s3cret-scrape", metrics_allow="10.0.0.0/8"
    )
    far = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=far).status_code == 403
    wrong = {"Authorization": "Bearer nope"}
    assert client.get("/metrics", environ_base=far, headers=wrong).status_code == 403
    right = {"Authorization": "Bearer s3cret-scrape"}
    assert client.get("/metrics", environ_base=far, headers=right).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 403
