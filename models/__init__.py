"""SQLModel tables, one module per feature; importing this package registers them all for Alembic."""

from models.alerts import Alert, AlertAnswer, AlertAnswerEvent, AlertArea, AlertRecipient
from models.fsm import FsmRecord
from models.outbox import Campaign, OutboxMessage
from models.user import User

__all__ = ["Campaign", "FsmRecord", "OutboxMessage", "User"]
__all__ += ["Alert", "AlertAnswer", "AlertAnswerEvent", "AlertArea", "AlertRecipient"]
