"""Delivery: the outbox sender and Telegram's sending limits (see services/outbox.py for enqueueing)."""

from bot.delivery.limits import ChatSpacing, LocalRateLimiter, RateLimiter
from bot.delivery.sender import Sender, create_sender

__all__ = ["ChatSpacing", "LocalRateLimiter", "RateLimiter", "Sender", "create_sender"]
