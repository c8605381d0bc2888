"""Buttons of mass sending: the live progress message's pause, resume and cancel.

The broadcast wizard itself is a form (handlers/forms.py `FormCb`); bot/delivery/progress.py builds these.
"""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData

from services.callbacks import Id


class CampaignCb(CallbackData, prefix="bc"):
    """Steer a running campaign from its live progress message."""

    action: Literal["pause", "resume", "cancel"]
    campaign_id: Id
