"""SQLModel tables, one module per feature; importing this package registers them all for Alembic."""

from models.fsm import FsmRecord
from models.outbox import Campaign, OutboxMessage
from models.training import Booking, Training
from models.user import User

__all__ = ["Booking", "Campaign", "FsmRecord", "OutboxMessage", "Training", "User"]
