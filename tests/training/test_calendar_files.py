"""The .ics file a volunteer gets: readable by any calendar (icalendar parses it back), in their language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from models.training import Training
from services.training.calendar_files import ics_filename, training_ics


def test_an_online_session_in_english() -> None:
    start = datetime(2026, 12, 12, 17, 30, tzinfo=UTC)
    training = Training(id=7, theme="Aller vers", title_fr="Aller vers", title_en="Reaching out",
                        description_fr="Avec la Fabrique.", description_en="With the Fabrique.", starts_at=start,
                        duration_minutes=90, online_url="https://visio.paris.fr/aller-vers", capacity=10)
    calendar = Calendar.from_ical(training_ics(training, "en", start - timedelta(days=3)))
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Reaching out" and str(event["UID"]) == "training-7@volontaires.paris.fr"
    assert event.decoded("DTSTART") == start and event.decoded("DTEND") == start + timedelta(minutes=90)
    assert str(event["LOCATION"]) == "https://visio.paris.fr/aller-vers"
    assert "With the Fabrique." in str(event["DESCRIPTION"]) and str(event["STATUS"]) == "CONFIRMED"
    assert ics_filename(training) == "formation-7.ics"
    french = Calendar.from_ical(training_ics(training, "fr", start)).walk("VEVENT")[0]
    assert str(french["SUMMARY"]) == "Aller vers" and str(french["UID"]) == str(event["UID"])
