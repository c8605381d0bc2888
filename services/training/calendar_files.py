"""An iCalendar (.ics) file for a booked session, built with the icalendar library (RFC 5545 / 5546).

The UID never changes; SEQUENCE is the session's `sequence` (raised by every move and by the cancellation),
so a calendar that imported an earlier file updates the event. A cancelled session gives METHOD:CANCEL.
"""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event, vText

from models.training import Training, TrainingStatus

PRODUCT_ID = "-//Ville de Paris//Paris Volunteers Bot//FR"
UID_DOMAIN = "volontaires.paris.fr"


def training_ics(training: Training, locale: str, now: datetime) -> bytes:
    """One VEVENT in the reader's language; the UID is stable so calendars update rather than duplicate."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    cancelled = training.status == TrainingStatus.CANCELLED
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", f"training-{training.id}@{UID_DOMAIN}")
    event.add("dtstamp", now)
    event.add("sequence", training.sequence)
    event.add("dtstart", training.starts_at)
    event.add("dtend", training.ends_at)
    event.add("summary", training.title(locale))
    description = training.description(locale)
    if training.online_url:
        description = f"{description}\n\n{training.online_url}".strip()
        event.add("url", training.online_url)
    if description:
        event.add("description", description)
    event["location"] = vText(training.place or training.online_url or "")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()


def ics_filename(training: Training) -> str:
    return f"formation-{training.id}.ics"
