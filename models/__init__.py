"""SQLModel tables, one module per feature; importing this package registers them all for Alembic."""

from models.fsm import FsmRecord
from models.user import User

__all__ = ["FsmRecord", "User"]
