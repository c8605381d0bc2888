"""Multi-step forms as data: steps over a typed draft, with Back, Cancel and an editable summary for free.

A form is a list of `Step`s (a question, its buttons, a parser for typed answers) filling a pydantic
draft, then a summary whose every line can be edited, then `finish`. The runtime here gives every form the
same behaviour: Back on every step, Cancel on every step (and `/cancel`), typed text where only buttons
make sense answered by asking again, old or forged buttons refused and the question asked again, a
broken rule (`DomainError` from a parser or from `finish`) told in the user's language with nothing saved.

The draft lives in the conversation state (FSM data, on the database or Redis): a form survives a restart
and `/start` in the middle resumes it. Compared with aiogram-dialog 2.x and aiogram's Scenes, this keeps
our transaction rule (the update's session commits before the bot speaks) and plain new messages per step,
which is what people scroll back through in a chat; both libraries edit one message in place instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.filters import NOT_A_COMMAND
from handlers.ui import Button, Row, chunked, inline_keyboard, tapped_message
from models.user import User
from services.errors import DomainError

Draft = TypeVar("Draft", bound=BaseModel)
SUMMARY = "="  # the step key of the summary

router = Router(name="forms")


class FormCb(CallbackData, prefix="fm"):
    form: str
    step: str
    action: Literal["pick", "toggle", "done", "skip", "back", "cancel", "edit", "confirm"]
    value: str = ""


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass
class FormContext:
    """What a step's effect or a form's `finish` may use: the person, their session, where to reply."""

    message: Message
    session: AsyncSession
    user: User
    state: FSMContext
    data: dict[str, Any]  # the handler's data (is_coordinator, bot, settings…)


class EndForm(Exception):
    """Raised by a step's effect to end the form early (e.g. consent refused): the text is said, nothing kept."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True)
class Step(Generic[Draft]):
    key: str  # short: it travels in button data and names the step in the summary
    prompt: Callable[[Draft], str]  # the question, translated when called
    field: str | None = None  # the draft attribute a tap or a typed answer fills (None: `apply` does it)
    choices: Callable[[Draft], Sequence[Choice]] | None = None  # buttons, one tap answers
    width: int = 1  # buttons per row
    multiple: bool = False  # a toggle list (the field is a list) closed by "Continuer »"
    ordered: bool = False  # a toggle list whose order matters: chosen buttons show ①, ②, ③… instead of ✅
    parse: Callable[[str, Draft], Any] | None = None  # typed text → value; raise DomainError to refuse
    formatted: bool = False  # `parse` gets the text as Telegram HTML (the writer's bold and links kept)
    apply: Callable[[Draft, Any], None] | None = None  # store a value when `field` is not enough
    effect: Callable[[FormContext, Draft], Awaitable[None]] | None = None  # after the answer (may raise EndForm)
    skip: Callable[[Draft], bool] | None = None  # not asked for this draft
    skip_label: Callable[[], str] | None = None  # an optional step: a button that leaves it empty
    edit_label: Callable[[], str] | None = None  # its "Modifier …" button on the summary (None: not offered)
    follow_up: Callable[[Draft], str | None] | None = None  # a step to ask next even when editing (or None)
    photo: bool = False  # answered by sending a photo: `field` gets its file_id (Telegram keeps the file)

    def store(self, draft: Draft, value: Any) -> None:
        if self.apply is not None:
            self.apply(draft, value)
        elif self.field is not None:
            setattr(draft, self.field, value)


@dataclass
class Form(Generic[Draft]):
    name: str  # short and unique: it travels in button data
    draft: type[Draft]
    steps: Sequence[Step[Draft]]
    summary: Callable[[Draft], str]
    finish: Callable[[FormContext, Draft], Awaitable[None]]
    confirm_label: Callable[[Draft], str | None] = field(default=lambda _draft: _("✅ Confirmer"))
    cancelled: Callable[[FormContext], Awaitable[None]] | None = None  # what to show after Cancel
    # before the summary is shown after an answer: fresh figures into the draft (an exact count), a preview
    # of what will be sent; may raise EndForm
    before_summary: Callable[[FormContext, Draft], Awaitable[None]] | None = None

    def __post_init__(self) -> None:
        if self.name in FORMS:
            raise ValueError(f"two forms named {self.name!r}")
        FORMS[self.name] = self

    @property
    def state_name(self) -> str:
        return f"form:{self.name}"

    def step(self, key: str) -> Step[Draft] | None:
        return next((step for step in self.steps if step.key == key), None)

    def _asked(self, draft: Draft) -> list[Step[Draft]]:
        return [step for step in self.steps if step.skip is None or not step.skip(draft)]

    def after(self, key: str, draft: Draft) -> str:
        """The next step asked after `key` (in the form's order, whether or not `key` itself is still asked)."""
        keys = [step.key for step in self.steps]
        following = keys[keys.index(key) + 1:] if key in keys else keys
        asked = {step.key for step in self._asked(draft)}
        return next((candidate for candidate in following if candidate in asked), SUMMARY)

    def before(self, key: str, draft: Draft) -> str | None:
        """The step asked before `key`, or None at the first one."""
        keys = [step.key for step in self.steps]
        preceding = keys[:keys.index(key)] if key in keys else keys
        asked = {step.key for step in self._asked(draft)}
        return next((candidate for candidate in reversed(preceding) if candidate in asked), None)

    # -- the conversation ------------------------------------------------------------------------------

    async def start(self, message: Message, state: FSMContext, draft: Draft | None = None, *,
                    at_summary: bool = False) -> None:
        """Open the form: at its first step, or (editing something that exists) at the summary."""
        draft = draft if draft is not None else self.draft()
        first = SUMMARY if at_summary else self.after("", draft)  # "" is no step: the first one asked
        await state.set_state(self.state_name)
        await state.set_data({"step": first, "draft": draft.model_dump(mode="json"), "editing": at_summary})
        await self.ask(message, first, draft, editing=at_summary)

    async def load(self, state: FSMContext) -> tuple[str, Draft, bool]:
        data = await state.get_data()
        return data.get("step", SUMMARY), self.draft.model_validate(data.get("draft") or {}), bool(data.get("editing"))

    async def save(self, state: FSMContext, key: str, draft: Draft, editing: bool) -> None:
        await state.set_data({"step": key, "draft": draft.model_dump(mode="json"), "editing": editing})

    def keyboard(self, key: str, draft: Draft, editing: bool) -> InlineKeyboardMarkup:
        def button(action: str, value: str = "") -> FormCb:
            return FormCb(form=self.name, step=key, action=action, value=value)  # type: ignore[arg-type]

        rows: list[Row] = []
        if key == SUMMARY:
            label = self.confirm_label(draft)
            if label is not None:  # None: nothing can be confirmed yet (the summary says why)
                rows.append([(label, button("confirm"))])
            edits: list[Button] = [(step.edit_label(), button("edit", step.key)) for step in self._asked(draft)
                                   if step.edit_label is not None]
            rows += chunked(edits, 2)
            rows.append([(_("✖ Annuler"), button("cancel"))])
            return inline_keyboard(rows)
        step = self.step(key)
        assert step is not None
        choices = step.choices(draft) if step.choices is not None else ()
        if step.multiple:
            picked = list(getattr(draft, step.field or "", ()) or ())

            def mark(value: str) -> str:
                if value not in picked:
                    return ""
                return f"{'①②③④⑤⑥⑦⑧⑨'[picked.index(value)]} " if step.ordered else "✅ "

            rows += chunked([(f"{mark(choice.value)}{choice.label}", button("toggle", choice.value))
                             for choice in choices], step.width)
            rows.append([(_("Continuer »"), button("done"))])
        else:
            rows += chunked([(choice.label, button("pick", choice.value)) for choice in choices], step.width)
        if step.skip_label is not None:
            rows.append([(step.skip_label(), button("skip"))])
        navigation: list[Button] = []
        if editing or self.before(key, draft) is not None:
            navigation.append((_("« Retour"), button("back")))
        navigation.append((_("✖ Annuler"), button("cancel")))
        rows.append(navigation)
        return inline_keyboard(rows)

    async def ask(self, message: Message, key: str, draft: Draft, *, editing: bool) -> None:
        if key == SUMMARY:
            text = self.summary(draft)
        else:
            step = self.step(key)
            assert step is not None
            text = step.prompt(draft)
        await message.answer(text, reply_markup=self.keyboard(key, draft, editing))

    async def answered(self, context: FormContext, key: str, draft: Draft, editing: bool) -> None:
        """A step was answered: run its effect, then go to the next question (or back to the summary)."""
        step = self.step(key)
        assert step is not None
        try:
            if step.effect is not None:
                await step.effect(context, draft)
            follow_up = step.follow_up(draft) if step.follow_up is not None else None
            following = follow_up or (SUMMARY if editing else self.after(key, draft))
            if following == SUMMARY and self.before_summary is not None:
                await self.before_summary(context, draft)
        except EndForm as end:
            await context.state.clear()
            await context.message.answer(end.text)
            return
        await self.save(context.state, following, draft, editing)
        with _in_locale(context):
            await self.ask(context.message, following, draft, editing=editing)


FORMS: dict[str, Form[Any]] = {}


@contextlib.contextmanager
def _in_locale(context: FormContext) -> Any:
    """Speak the user's language as it is now: a step's effect may just have changed it."""
    i18n: I18n | None = context.data.get("i18n")
    if i18n is None:
        yield
        return
    with i18n.use_locale(context.user.locale):
        yield


def _context(message: Message, data: dict[str, Any]) -> FormContext:
    return FormContext(message, data["session"], data["user"], data["state"], data)


async def _current(state: FSMContext) -> Form[Any] | None:
    name = await state.get_state()
    if not name or not name.startswith("form:"):
        return None
    return FORMS.get(name.removeprefix("form:"))


async def resume(message: Message, state: FSMContext) -> bool:
    """Ask the current question of the form in progress again (`/start` in the middle); False if none."""
    form = await _current(state)
    if form is None:
        return False
    key, draft, editing = await form.load(state)
    await form.ask(message, key, draft, editing=editing)
    return True


async def _cancel(form: Form[Any], context: FormContext) -> None:
    await context.state.clear()
    if form.cancelled is not None:
        await form.cancelled(context)
    else:
        await context.message.answer(_("C'est annulé."))


@router.callback_query(FormCb.filter())
async def form_button(query: CallbackQuery, callback_data: FormCb, state: FSMContext, **data: Any) -> None:
    form = await _current(state)
    message = tapped_message(query)
    if form is None or form.name != callback_data.form:
        raise SkipHandler  # not this conversation: the fallback calls it stale
    key, draft, editing = await form.load(state)
    context = _context(message, {**data, "state": state})
    action = callback_data.action
    if action == "cancel":
        await query.answer()
        await _cancel(form, context)
        return
    if callback_data.step != key:
        # a button from an earlier question: say so, and ask the current one again
        await query.answer(_("Ce bouton n'est plus valable."))
        await form.ask(message, key, draft, editing=editing)
        return
    if key == SUMMARY:
        await _summary_button(query, form, context, draft, callback_data)
        return
    step = form.step(key)
    assert step is not None
    if action == "back":
        await query.answer()
        previous = SUMMARY if editing else form.before(key, draft)
        if previous is None:
            raise SkipHandler
        await form.save(state, previous, draft, editing)
        await form.ask(message, previous, draft, editing=editing)
        return
    values = {choice.value for choice in (step.choices(draft) if step.choices is not None else ())}
    if action in ("pick", "toggle") and callback_data.value not in values:
        raise SkipHandler
    if action == "toggle" and step.multiple:
        chosen = list(getattr(draft, step.field or "") or [])
        chosen.remove(callback_data.value) if callback_data.value in chosen else chosen.append(callback_data.value)
        step.store(draft, chosen)
        await form.save(state, key, draft, editing)
        await query.answer()
        await message.edit_reply_markup(reply_markup=form.keyboard(key, draft, editing))
        return
    if action == "pick" and not step.multiple:
        step.store(draft, callback_data.value)
    elif action == "skip" and step.skip_label is not None:
        step.store(draft, None)
    elif not (action == "done" and step.multiple):
        raise SkipHandler
    await form.answered(context, key, draft, editing)  # a step's effect may refuse: answered by the refusal
    await query.answer()


async def _summary_button(query: CallbackQuery, form: Form[Any], context: FormContext, draft: Any,
                          callback_data: FormCb) -> None:
    if callback_data.action == "edit":
        step = form.step(callback_data.value)
        if step is None or step.edit_label is None:
            raise SkipHandler
        await query.answer()
        await form.save(context.state, step.key, draft, True)
        await form.ask(context.message, step.key, draft, editing=True)
        return
    if callback_data.action != "confirm":
        raise SkipHandler
    await form.finish(context, draft)  # a DomainError here is told, and the summary stays
    await query.answer()
    if await context.state.get_state() == form.state_name:
        await context.state.clear()


@router.message(F.text, NOT_A_COMMAND)
async def form_typed_answer(message: Message, state: FSMContext, **data: Any) -> None:
    form = await _current(state)
    if form is None:
        raise SkipHandler
    key, draft, editing = await form.load(state)
    step = form.step(key)
    if step is None or step.parse is None:
        await message.answer(_not_expected(step))
        await form.ask(message, key, draft, editing=editing)
        return
    try:
        step.store(draft, step.parse((message.html_text if step.formatted else message.text) or "", draft))
    except DomainError as error:
        # the reason, with the question's buttons again (Back and Cancel stay one tap away)
        await message.answer(error.render(data["user"].locale), reply_markup=form.keyboard(key, draft, editing))
        return
    await form.answered(_context(message, {**data, "state": state}), key, draft, editing)


def _not_expected(step: Step[Any] | None) -> str:
    if step is not None and step.photo:
        return _("Envoyez une photo (pas un fichier), ou répondez avec les boutons ci-dessous.")
    return _("Je n'attends pas cela ici : répondez avec les boutons ci-dessous.")


@router.message(F.photo)
async def form_photo_answer(message: Message, state: FSMContext, **data: Any) -> None:
    """A photo where a step asks for one: the answer is its largest size's file_id."""
    form = await _current(state)
    if form is None:
        raise SkipHandler
    key, draft, editing = await form.load(state)
    step = form.step(key)
    if step is None or not step.photo or not message.photo:
        raise SkipHandler  # not asked for here: form_other_message says what is
    step.store(draft, message.photo[-1].file_id)
    await form.answered(_context(message, {**data, "state": state}), key, draft, editing)


@router.message(NOT_A_COMMAND)
async def form_other_message(message: Message, state: FSMContext) -> None:
    """A sticker, a photo, a voice note in the middle of a form: say what is expected and ask again."""
    form = await _current(state)
    if form is None:
        raise SkipHandler
    key, draft, editing = await form.load(state)
    await message.answer(_not_expected(form.step(key)))
    await form.ask(message, key, draft, editing=editing)
