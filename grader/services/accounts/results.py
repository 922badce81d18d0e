"""What the accounts services answer (see grader.services.results)."""

from __future__ import annotations

from pydantic import Field

from grader.services.results import Page, Result


class UserOut(Result):
    id: int
    username: str
    role: str = Field(description="admin, instructor or student")
    created_at: str
    locale: str | None = Field(description="the language the user chose (null: none chosen)")


class UserCreated(UserOut):
    token: str = Field(description="the first API token, shown once; only its hash is stored")
    token_id: int


class UserPage(Page):
    items: list[UserOut]


class TokenOut(Result):
    id: int
    name: str
    prefix: str = Field(description="the token's first characters, to recognise it")
    user_id: int
    created_at: str
    revoked_at: str | None


class TokenCreated(TokenOut):
    token: str = Field(description="shown once; only its hash is stored")


class TokenPage(Page):
    items: list[TokenOut]


class SessionsEnded(Result):
    id: int
    username: str
    sessions_ended: bool


class PasswordChanged(Result):
    username: str
    changed: bool
    sessions_ended: bool = Field(description="every web session of yours ended")


class PasswordReset(Result):
    username: str
    password: str | None = Field(
        None, description="the new password, shown once; only its hash is stored"
    )
    sign_in_link: str | None = Field(None, description="with ?link=true: works once, 24 hours")
    expires_at: str | None = Field(None, description="when the sign-in link stops working")
    sessions_ended: bool
    tokens_revoked: int = Field(description="the user's API tokens revoked by the reset")
