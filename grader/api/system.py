"""/api/v1/health, the OpenAPI document and a browsable docs page (no CDN, no JavaScript)."""

from __future__ import annotations

from typing import Any, cast

from flask import current_app, render_template_string
from flask_openapi3 import APIBlueprint, OpenAPI, Tag

from grader.api.common import PREFIX, error_responses, svc
from grader.services.infra.results import Health

bp = APIBlueprint("system", __name__, url_prefix=PREFIX, abp_tags=[Tag(name="system")])

DOCS = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ spec.info.title }}</title>
<link rel="stylesheet" href="{{ url_for('web.static', filename='api-docs.css') }}"></head><body>
<h1>{{ spec.info.title }} <small>{{ spec.info.version }}</small></h1>
<p>All requests send <code>Authorization: Bearer &lt;token&gt;</code>. Errors are
<code>{"error": {"code", "message", "details"}}</code>. Machine-readable:
<a href="{{ prefix }}/openapi.json">openapi.json</a> (OpenAPI {{ spec.openapi }}).</p>
{% for tag, ops in groups.items() %}<h2>{{ tag }}</h2>
{% for op in ops %}<div class="op"><span class="m {{ op.method }}">{{ op.method|upper }}</span>
<code>{{ op.path }}</code><p>{{ op.doc }}</p>
{% if op.params %}<p>Parameters: {% for p in op.params %}<code>{{ p.name }}</code>
({{ p.get('in') }}{% if p.required %}, required{% endif %}) {% endfor %}</p>{% endif %}
{% if op.body %}<p>Body: <code>{{ op.body }}</code></p>{% endif %}
<p>Responses: {% for code in op.responses %}<code>{{ code }}</code> {% endfor %}</p></div>
{% endfor %}{% endfor %}
</body></html>"""


@bp.get(
    "/health",
    responses={200: Health, **error_responses((503,))},
)
def health():
    """Liveness and queue depth (counted at most once a second); 503 when the database is
    unreachable. No token needed."""
    return {"status": "ok", "database": "ok", "queued": svc().queue_depth()}


@bp.get("/openapi.json", doc_ui=False)
def openapi_json():
    """The OpenAPI 3.1 document of this API."""
    return cast(OpenAPI, current_app).api_doc


@bp.get("/docs", doc_ui=False)
def docs():
    """A readable page generated from the OpenAPI document."""
    spec: dict[str, Any] = cast(OpenAPI, current_app).api_doc
    groups: dict[str, list[dict]] = {}
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            body = op.get("requestBody", {}).get("content", {})
            first: dict[str, Any] = next(iter(body.values()), {}) if body else {}
            schema = first.get("schema", {})
            ref = schema.get("$ref", "").rsplit("/", 1)[-1] or schema.get("type", "")
            groups.setdefault((op.get("tags") or ["other"])[0], []).append(
                {
                    "method": method,
                    "path": path,
                    "doc": op.get("description") or op.get("summary", ""),
                    "params": op.get("parameters", []),
                    "body": f"{next(iter(body), '')} {ref}".strip() if body else "",
                    "responses": sorted(op.get("responses", {})),
                }
            )
    return render_template_string(DOCS, spec=spec, groups=groups, prefix=PREFIX)
