"""Outer middlewares run on every update, in this order: session, user, i18n, throttling."""
