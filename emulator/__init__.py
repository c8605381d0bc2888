"""Local Telegram Bot API emulator for end-to-end tests and rate-limit benchmarks."""

from emulator.client import Emulator, TestUser
from emulator.control import EmulatorControl
from emulator.errors import ApiError
from emulator.process import EmulatorProcess
from emulator.state import BotState, CallbackAnswer, RecordedMessage, StoredFile

__all__ = [
    "ApiError",
    "BotState",
    "CallbackAnswer",
    "Emulator",
    "EmulatorControl",
    "EmulatorProcess",
    "RecordedMessage",
    "StoredFile",
    "TestUser",
]
