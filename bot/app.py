"""Build the bot's parts (Bot, Dispatcher, database, storage) from settings; shared by CLI, tests and demo."""

from __future__ import annotations

import gc
from dataclasses import dataclass, field

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    EditMessageReplyMarkup,
    EditMessageText,
    GetUpdates,
    SendDocument,
    SendMessage,
    SendPhoto,
    SetMyCommands,
)
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import TELEGRAM_API_URL, Settings
from bot.db import create_engine, create_sessionmaker
from bot.delivery.budget import send_budget
from bot.fsm_storage import DatabaseStorage
from bot.i18n import UserLocaleMiddleware, create_i18n
from bot.isolation import TransientEventIsolation
from bot.middlewares.refusals import RenderRefusals
from bot.middlewares.responses import KeepResponseModels, keep_response_model
from bot.middlewares.session import CommitBeforeSend, DbSessionMiddleware, ReliableCalls
from bot.middlewares.throttling import ThrottlingMiddleware
from bot.middlewares.user import UserMiddleware
from handlers import build_router


class MissingTokenError(RuntimeError):
    """No BOT_TOKEN: the bot cannot start, and the operator is told how to get one."""


MISSING_TOKEN_HELP = (
    "BOT_TOKEN is not set.\n"
    "  1. In Telegram, talk to @BotFather, send /newbot and follow the steps; it gives you a token.\n"
    "  2. Put it in a .env file next to where you run the bot:  BOT_TOKEN=123456:ABC-...\n"
    "     (or export BOT_TOKEN=... in your shell). See .env.example for every setting.\n"
    "To see the bot work without a token, run: volunteer-bot demo"
)


def create_bot(settings: Settings) -> Bot:
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        raise MissingTokenError(MISSING_TOKEN_HELP)
    session = AiohttpSession()
    if settings.bot_api_url.rstrip("/") != TELEGRAM_API_URL:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.bot_api_url.rstrip("/")))
    bot = Bot(settings.bot_token.get_secret_value(), session=session,
              default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True))
    bot.session.middleware(KeepResponseModels())
    bot.session.middleware(CommitBeforeSend())
    # after the commit: a retried call never holds the update's transaction across its waits
    bot.session.middleware(ReliableCalls(lambda: send_budget(settings)))
    return bot


def create_storage(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> BaseStorage:
    if settings.redis_url:
        from bot.fsm_redis import create_redis_storage

        return create_redis_storage(settings.redis_url, settings.redis_key_prefix)
    return DatabaseStorage(sessions)


def create_dispatcher(settings: Settings, sessions: async_sessionmaker[AsyncSession],
                      storage: BaseStorage) -> Dispatcher:
    # One update at a time per user and chat: two quick taps must not race on the same conversation.
    isolation: BaseEventIsolation = TransientEventIsolation()
    if settings.redis_url:
        from bot.fsm_redis import ErasableRedisStorage, create_user_isolation

        # Several workers: the per-user lock must hold across processes, so it lives in Redis too.
        if isinstance(storage, ErasableRedisStorage):
            isolation = create_user_isolation(storage, settings.update_lease_seconds)
    dp = Dispatcher(storage=storage, events_isolation=isolation, fsm_storage=storage,
                    settings=settings, sessions=sessions)
    # Outer middlewares on every update, cheapest refusal first.
    dp.update.outer_middleware(ThrottlingMiddleware(settings.throttle_rate))
    dp.update.outer_middleware(DbSessionMiddleware(sessions))
    dp.update.outer_middleware(UserMiddleware(settings.coordinator_ids))
    UserLocaleMiddleware(create_i18n()).setup(dp)
    refusals = RenderRefusals()
    dp.message.outer_middleware(refusals)
    dp.callback_query.outer_middleware(refusals)
    dp.include_router(build_router())
    return dp


@dataclass
class App:
    """Everything one bot process needs, built once from settings."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    storage: BaseStorage
    dispatcher: Dispatcher
    bot: Bot | None = field(default=None)

    async def close(self) -> None:
        await self.storage.close()
        if self.bot is not None:
            await self.bot.session.close()
        await self.engine.dispose()


# What every conversation uses: built when the process starts, not by the first updates. aiogram's models
# are otherwise built on first use (bot/patches.py), and the first updates waited for them: ~0.3 s, the
# slowest 1 % of a paced run's replies (measured, benchmarks/updates.py).
_HOT_TYPES = (Update, InlineKeyboardMarkup, InlineKeyboardButton, ReplyKeyboardMarkup, KeyboardButton,
              ReplyKeyboardRemove)
_HOT_CALLS = (GetUpdates, SendMessage, EditMessageText, EditMessageReplyMarkup, AnswerCallbackQuery,
              DeleteMessage, SendDocument, SendPhoto, SetMyCommands)


def build_hot_models() -> None:
    for model in (*_HOT_TYPES, *_HOT_CALLS):
        model.model_rebuild()
    for call in _HOT_CALLS:
        keep_response_model(call.__returning__).model_rebuild()


def freeze_startup_objects() -> None:
    """Call once a long-running process has built its app: builds the models every update uses, then keeps
    what exists (~290,000 import-time objects) out of GC.

    A full collection walks every tracked object: with aiogram's models that took ~190 ms (measured), a
    pause every update in flight waits for. gc.freeze() moves what exists now to a permanent generation.
    """
    build_hot_models()
    gc.collect()
    gc.freeze()


def create_app(settings: Settings, *, with_bot: bool = True) -> App:
    engine = create_engine(settings.database_url)
    sessions = create_sessionmaker(engine)
    storage = create_storage(settings, sessions)
    dispatcher = create_dispatcher(settings, sessions, storage)
    bot = create_bot(settings) if with_bot else None
    return App(settings, engine, sessions, storage, dispatcher, bot)
