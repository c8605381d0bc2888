"""Filters shared by every conversation."""

from __future__ import annotations

from aiogram import F

# A state's typed-answer handler must never swallow a command: "/delete" typed while the bot waits for a
# name is the command, not a name.
NOT_A_COMMAND = ~F.text.startswith("/")
TYPED_ANSWER = F.text & NOT_A_COMMAND
