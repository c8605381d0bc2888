"""The HTTP side: /bot<token>/<method> in Telegram's wire format, file downloads, app factory."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import web

from emulator.errors import ApiError
from emulator.methods import call_method
from emulator.state import BotState
from emulator.validation import UploadedFile

log = logging.getLogger("emulator")

STATE_KEY: web.AppKey[BotState] = web.AppKey("emulator_state", BotState)

_JSON_HEADERS = {"Content-Type": "application/json"}


def _json_response(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(body=json.dumps(body, ensure_ascii=False).encode(), status=status, headers=_JSON_HEADERS)


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile], bool]:
    """Parameters from the query string and a JSON, url-encoded or multipart body.

    Returns (params, uploaded files by part name, whether values are form strings).
    """
    params: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    from_form = True
    if request.method == "POST" and request.can_read_body:
        content_type = request.content_type
        if content_type == "application/json":
            raw = await request.read()
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise ApiError(400, "Bad Request: can't parse JSON object") from None
                if not isinstance(body, dict):
                    raise ApiError(400, "Bad Request: JSON object expected")
                if params:
                    # Query-string values are strings; body values are typed JSON.
                    params = {k: v for k, v in params.items() if k not in body}
                    return {**params, **body}, files, False
                return body, files, False
        else:
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    data = value.file.read()
                    files[name] = UploadedFile(value.filename or name, data, value.content_type)
                else:
                    params[name] = value
    return params, files, from_form


class ApiHandler:
    """Routes Bot API calls to methods, adding latency, faults and statistics around them."""

    def __init__(self, state: BotState) -> None:
        self.state = state

    async def handle(self, request: web.Request) -> web.Response:
        """POST|GET /bot<token>/<method>."""
        state = self.state
        state.stats.total_requests += 1
        if request.match_info["token"] != state.token:
            state.stats.record_error(401)
            return _json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        method = request.match_info["method"]
        key = method.lower()
        state.stats.by_method[method] += 1
        tracked = key != "getupdates"  # long polls are not "bot activity" for wait_idle
        if tracked:
            state.inflight += 1
            state.touch()
        try:
            return await self._run(request, method, key)
        finally:
            if tracked:
                state.inflight -= 1
                state.touch()

    async def _run(self, request: web.Request, method: str, key: str) -> web.Response:
        state = self.state
        faults = state.faults
        latency = faults.call_latency()
        if latency > 0:
            await asyncio.sleep(latency)
        try:
            injected = faults.injected_error(key)
            if injected is not None:
                raise injected
            params, files, from_form = await _read_params(request)
            state.calls.append((method, params))
            result = await call_method(state, method, params, files, from_form=from_form)
        except ApiError as error:
            state.stats.record_error(error.error_code)
            return _json_response(error.to_response(), error.error_code)
        delay = faults.response_delay(key)
        if delay > 0:
            # The call took effect; the answer comes too late (the ambiguous-send case).
            state.stats.timeouts += 1
            await asyncio.sleep(delay)
        return _json_response({"ok": True, "result": result})

    async def download(self, request: web.Request) -> web.StreamResponse:
        """GET /file/bot<token>/<file_path>, as api.telegram.org serves getFile paths."""
        if request.match_info["token"] != self.state.token:
            return _json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        stored = self.state.files_by_path.get(request.match_info["path"])
        if stored is None:
            return _json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return web.Response(body=stored.data, content_type=stored.mime_type)


def create_app(state: BotState, *, control: bool = True) -> web.Application:
    """The aiohttp application serving the Bot API (and the control API under /_emulator/)."""
    app = web.Application(client_max_size=60 * 1024 * 1024)
    app[STATE_KEY] = state
    handler = ApiHandler(state)
    app.router.add_route("*", "/bot{token}/{method}", handler.handle)
    app.router.add_get("/file/bot{token}/{path:.+}", handler.download)
    if control:
        from emulator.control import add_control_routes

        add_control_routes(app, state)

    async def on_shutdown(app: web.Application) -> None:
        await state.close()

    app.on_shutdown.append(on_shutdown)
    return app
