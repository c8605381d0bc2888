"""SQLModel tables, one module per feature; importing this package registers them all for Alembic."""

from models.alerts import Alert, AlertAnswer, AlertAnswerEvent, AlertArea, AlertRecipient
from models.fsm import FsmRecord
from models.inbox import ReceivedUpdate as ReceivedUpdate  # scale: webhook update store
from models.newsletter import NewsletterIssue, NewsletterSubscription  # noqa: F401
from models.night import NightAssignment, NightEdition, NightLeader, NightRegistration, NightSector  # noqa: F401
from models.outbox import Campaign, OutboxMessage
from models.procurement import Notice, NoticeDelivery, Subscription, TenderConsent, TenderDigest
from models.training import Booking, Training
from models.user import User

__all__ = ["Campaign", "FsmRecord", "OutboxMessage", "User"]
__all__ += ["Notice", "NoticeDelivery", "Subscription", "TenderConsent", "TenderDigest"]
__all__ += ["Booking", "Training"]
__all__ += ["Alert", "AlertAnswer", "AlertAnswerEvent", "AlertArea", "AlertRecipient"]
