"""The one way a service refuses: a French msgid (translated by whoever shows it) and its parameters.

Handlers never catch these: `bot/middlewares/refusals.py` rolls the update back and tells the user, in
their language, as an alert under a button or as a message.
"""

from __future__ import annotations

from locales import N_


class DomainError(Exception):
    """A rule was broken; `message` is a msgid marked with N_, `params` fill its placeholders."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def render(self, locale: str) -> str:
        from locales import t

        return t(locale, self.message, **self.params)


STALE_BUTTON = N_("Ce bouton n'est plus valable. Tapez /menu pour recommencer.")


class StaleButton(DomainError):
    """A button that no longer applies: old, forged, on a message Telegram no longer shows, or about
    something that is gone. Everyone gets the same answer."""

    def __init__(self) -> None:
        super().__init__(STALE_BUTTON)


class NotAllowed(DomainError):
    """This person may not do this to this object (an `access_*` check in a service)."""
