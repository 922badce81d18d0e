"""/api/v1/users and /api/v1/tokens."""

from __future__ import annotations

from flask import request
from flask_openapi3 import APIBlueprint, Tag

from grader.api.common import PREFIX, SECURITY, actor, error_responses, out, svc
from grader.api.schemas import (
    PasswordChange,
    TokenCreate,
    TokenPath,
    UserCreate,
    UserPath,
    UserQuery,
    UserUpdate,
)
from grader.services.accounts import users
from grader.services.accounts.results import (
    PasswordChanged,
    SessionsEnded,
    TokenCreated,
    TokenOut,
    TokenPage,
    UserCreated,
    UserOut,
    UserPage,
)

bp = APIBlueprint(
    "users",
    __name__,
    url_prefix=PREFIX,
    abp_tags=[Tag(name="users and tokens")],
    abp_security=SECURITY,
    abp_responses=error_responses(),
)


@bp.post("/users", responses={201: UserCreated})
def create_user(body: UserCreate):
    """Create a user (admin). The response holds the user's first token, shown once."""
    return out(users.create_user_as(svc(), actor(), body.username, body.role)), 201


@bp.get("/users", responses={200: UserPage})
def list_users(query: UserQuery):
    """List users (admin)."""
    return out(users.list_users(svc(), actor(), query.limit, query.offset, query.role))


@bp.get("/users/me", responses={200: UserOut})
def me():
    """The user the token belongs to."""
    who = actor()
    return out(users.get_user(svc(), who, who.id))


@bp.patch("/users/me", responses={200: UserOut})
def update_me(body: UserUpdate):
    """Save your language (`locale`: "en" or "zh-CN"; null clears the choice). Pages and API
    messages are then in it wherever you sign in."""
    return out(users.set_locale(svc(), actor(), body.locale))


@bp.post("/users/me/password", responses={200: PasswordChanged})
def change_password(body: PasswordChange):
    """Change your own password; the current one is required (422 `wrong_password`, and it
    counts as a failed sign-in). Every web session of yours ends; API tokens stay valid."""
    who = actor()
    users.change_password(
        svc(), who, body.current_password, body.new_password, request.remote_addr or "unknown"
    )
    return out(PasswordChanged(username=who.username, changed=True, sessions_ended=True))


@bp.get("/users/<int:user_id>", responses={200: UserOut})
def get_user(path: UserPath):
    """One user (admin, or yourself)."""
    return out(users.get_user(svc(), actor(), path.user_id))


@bp.post("/users/<int:user_id>/sign-out", responses={200: SessionsEnded})
def sign_out_everywhere(path: UserPath):
    """End every web session of the user at once (admin, or yourself). API tokens stay valid:
    revoke them with DELETE /tokens/{id}."""
    return out(users.end_sessions(svc(), actor(), path.user_id))


@bp.post("/tokens", responses={201: TokenCreated})
def create_token(body: TokenCreate):
    """Create another token for yourself (shown once)."""
    return out(users.create_token(svc(), actor(), body.name)), 201


@bp.get("/tokens", responses={200: TokenPage})
def list_tokens(query: UserQuery):
    """Your tokens (admins: everyone's). Values are never shown again, only their prefix."""
    return out(users.list_tokens(svc(), actor(), query.limit, query.offset))


@bp.delete("/tokens/<int:token_id>", responses={200: TokenOut})
def revoke_token(path: TokenPath):
    """Revoke a token (yours, or any for an admin)."""
    return out(users.revoke_token(svc(), actor(), path.token_id))
