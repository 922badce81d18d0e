"""Accounts: users, API tokens, passwords and sign-in sessions, and who may do what."""

from grader.services.accounts.access import course_role, require_course_staff, require_role
from grader.services.accounts.users import (
    authenticate,
    create_token,
    create_user,
    create_user_as,
    end_sessions,
    get_user,
    hash_token,
    list_tokens,
    list_users,
    revoke_matching,
    revoke_token,
    session_actor,
    session_stamp,
    set_password,
    sign_in,
    user_id_of,
)

__all__ = [
    "authenticate",
    "course_role",
    "create_token",
    "create_user",
    "create_user_as",
    "end_sessions",
    "get_user",
    "hash_token",
    "list_tokens",
    "list_users",
    "require_course_staff",
    "require_role",
    "revoke_matching",
    "revoke_token",
    "session_actor",
    "session_stamp",
    "set_password",
    "sign_in",
    "user_id_of",
]
