"""The one way a service refuses: a French msgid (translated by whoever shows it) and its parameters."""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken; `message` is a msgid marked with N_, `params` fill its placeholders."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def render(self, locale: str) -> str:
        from locales import t

        return t(locale, self.message, **self.params)
