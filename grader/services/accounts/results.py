"""What the accounts services answer (see grader.services.results)."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import Field, PrivateAttr

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
        default=None, description="the new password, shown once; only its hash is stored"
    )
    sign_in_link: str | None = Field(
        default=None, description="with ?link=true: works once, 24 hours"
    )
    expires_at: str | None = Field(default=None, description="when the sign-in link stops working")
    sessions_ended: bool
    tokens_revoked: int = Field(description="the user's API tokens revoked by the reset")
    # the one-time link's signed token; never in the answer: the page or API makes it a URL
    _sign_in_token: str | None = PrivateAttr(None)

    @property
    def sign_in_token(self) -> str | None:
        return self._sign_in_token

    @sign_in_token.setter
    def sign_in_token(self, token: str) -> None:
        self._sign_in_token = token

    def with_link(self, link_for: Callable[[str], str]) -> PasswordReset:
        """The answer to show: a link reset's token made its URL by `link_for`."""
        if self._sign_in_token is None:
            return self
        return self.model_copy(update={"sign_in_link": link_for(self._sign_in_token)})
