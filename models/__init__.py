"""SQLModel tables, one module per feature; importing this package registers them all for Alembic."""

from models.fsm import FsmRecord
from models.inbox import ReceivedUpdate as ReceivedUpdate  # scale: webhook update store
from models.outbox import Campaign, OutboxMessage
from models.user import User

__all__ = ["Campaign", "FsmRecord", "OutboxMessage", "User"]
