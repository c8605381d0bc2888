"""Settings read from the environment or `.env` (pydantic-settings): the one place configuration lives."""

from __future__ import annotations

from datetime import time
from functools import lru_cache
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.errors import DomainError
from services.timing import check_daily_clock

TELEGRAM_API_URL = "https://api.telegram.org"


class Settings(BaseSettings):
    """Everything an operator can set; see `.env.example` and the README."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    bot_api_url: str = TELEGRAM_API_URL
    database_url: str = "sqlite+aiosqlite:///volunteer-bot.db"
    redis_url: str | None = None
    coordinator_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "Europe/Paris"
    bot_send_rate: float = Field(default=25.0, gt=0, le=1000)
    paid_broadcast: bool = False
    throttle_rate: float = Field(default=3.0, gt=0, description="messages/s one user may send")
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8080
    webhook_path: str = "/telegram/webhook"
    # scale-out (docs/deploy.md): public URL for setWebhook, update leases, logs, Redis keys, metrics port
    webhook_url: str | None = None
    update_lease_seconds: float = Field(default=60.0, gt=0)
    recovery_interval_seconds: float = Field(default=5.0, gt=0)
    log_format: str = Field(default="text", pattern="^(text|json)$")
    redis_key_prefix: str = "fsm"
    metrics_port: int | None = None
    log_level: str = "INFO"
    # outbox texts and received updates' payloads are dropped after this many days (their counts stay)
    retention_days: int = Field(default=30, ge=1)
    notice_feeds: Annotated[tuple[str, ...], NoDecode] = ()  # procurement feed URLs, comma-separated

    @field_validator("notice_feeds", mode="before")
    @classmethod
    def _parse_feeds(cls, value: object) -> object:
        return tuple(part.strip() for part in value.split(",") if part.strip()) if isinstance(value, str) else value
    # The newsletter's default date: the first <weekday> (Monday=0) of the month at <time>, Paris time.
    newsletter_weekday: int = Field(default=1, ge=0, le=6)
    newsletter_time: time = Field(default=time(10, 0), description="never 02:00-03:00 (daylight saving)")

    @field_validator("coordinator_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        # "123, 456" in an env file is friendlier than a JSON list
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(";", ",").split(",") if part.strip())
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        ZoneInfo(value)
        return value

    @field_validator("newsletter_time")
    @classmethod
    def _check_newsletter_time(cls, value: time) -> time:
        try:
            check_daily_clock(value)  # the newsletter's default time comes back every month
        except DomainError:
            raise ValueError("02:00-03:00 is skipped or repeated when clocks change: choose another time") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@lru_cache
def get_settings() -> Settings:
    return Settings()
