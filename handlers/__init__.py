"""One aiogram Router per feature, assembled here in the order they are tried."""

from __future__ import annotations

from aiogram import Router

from handlers import coordinator, fallback, language, membership, menu, privacy, signup


def build_router() -> Router:
    root = Router(name="root")
    root.include_routers(
        membership.router,
        signup.router,
        menu.router,
        language.router,
        privacy.router,
        coordinator.router,
        # features go above this line; fallback must stay last
        fallback.router,
    )
    return root
