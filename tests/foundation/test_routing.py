"""A button tap goes straight to the routers that can take it (handlers.route_taps_by_prefix)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery, User

from handlers import build_router, tap_gate


def _tap(data: str) -> CallbackQuery:
    return CallbackQuery(id="q", from_user=User(id=1, is_bot=False, first_name="A"), chat_instance="c", data=data)


async def test_every_typed_button_still_reaches_its_router_and_others_are_skipped_in_one_check() -> None:
    root = build_router()
    routers = [router for router in root.chain_tail if router is not root]
    gated = [router for router in routers if tap_gate(router) is not None]
    assert len(gated) >= 25  # every feature's routers; the fallback is not gated: it answers any stale tap
    assert all(router.name != "fallback" for router in gated)
    for router in routers:
        for handler in router.callback_query.handlers:
            for each in handler.filters or ():
                if isinstance(each.callback, CallbackQueryFilter):
                    data = each.callback.callback_data
                    tap = _tap(f"{data.__prefix__}{data.__separator__}1")
                    # this router and each router above it let the tap through to the handler
                    for holder in [router, *router.chain_head]:
                        gate = tap_gate(holder)
                        assert gate is None or await gate(tap), (router.name, data.__prefix__)
    heat_wave_answer = _tap("aa:1:help")
    passing = [router.name for router in gated if await tap_gate(router)(heat_wave_answer)]  # type: ignore[misc]
    assert passing == ["alert_answers"]  # ~150 handlers' filters are not tried any more for an answer
    assert not any([await tap_gate(router)(_tap("forged:1")) for router in gated])  # type: ignore[misc]
