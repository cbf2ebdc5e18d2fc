"""Password validators of the trial (AUTH_PASSWORD_VALIDATORS), beside Django's own.

Django's validators let through a password of one repeated character
(`aaaaaaaaaaaa`) and one that merely contains the username (`alice-trial-2024`,
`bobbobbobbob`): these refuse both. The last one refuses nothing: Django calls it
whenever a password is saved, whatever door set it (the staff service, the
`changepassword` command, a shell), and it revokes the account's API tokens.
"""

import re

from django.core.exceptions import ValidationError


class VarietyValidator:
    """At least `min_distinct` different characters."""

    def __init__(self, min_distinct: int = 5):
        self.min_distinct = min_distinct

    def validate(self, password, user=None):
        if len(set(password)) < self.min_distinct:
            raise ValidationError(
                f"This password uses too few different characters (at least {self.min_distinct}).",
                code="password_too_repetitive",
            )

    def get_help_text(self):
        return f"Your password must use at least {self.min_distinct} different characters."


class NotContainingUsernameValidator:
    """The password must not contain the username, nor the part of the email address
    before the @ (when at least three characters long)."""

    def validate(self, password, user=None):
        if user is None:
            return
        lowered = password.lower()
        names = [getattr(user, "username", "") or ""]
        email = getattr(user, "email", "") or ""
        names.append(email.partition("@")[0])
        for name in names:
            name = name.lower()
            parts = [name, *re.split(r"[\W_]+", name)]
            if any(len(part) >= 3 and part in lowered for part in parts):
                raise ValidationError(
                    "This password contains the username or the email address.",
                    code="password_contains_username",
                )

    def get_help_text(self):
        return "Your password must not contain your username or email address."


class RevokeApiTokensOnChange:
    """Validates nothing; when a password is saved, the account's API tokens go."""

    def validate(self, password, user=None):
        return None

    def password_changed(self, password, user=None):
        if user is not None and user.pk is not None:
            from diary.services.api_tokens import api_tokens_revoke

            api_tokens_revoke(user=user)

    def get_help_text(self):
        return ""
