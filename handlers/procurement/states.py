"""The conversation states of the procurement screens (one group: the subscription editor and the search)."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class Tenders(StatesGroup):
    consent = State()
    summary = State()
    cpv = State()
    keywords = State()
    places = State()
    amount = State()
    kinds = State()
    frequency = State()
    search = State()
