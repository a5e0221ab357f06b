"""Password rules beyond Django's: a maximum length, so nobody makes us hash a megabyte."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class MaximumLengthValidator:
    """Refuse passwords longer than ``max_length``; login input is capped the same way."""

    def __init__(self, max_length: int = 128):
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(f"This password is too long: at most {self.max_length} characters.",
                                  code="password_too_long", params={"max_length": self.max_length})

    def get_help_text(self) -> str:
        return f"Your password must contain at most {self.max_length} characters."
