"""The bot's global send rate shared by several sender processes: the same GCRA as LocalRateLimiter, in Redis.

Each send reserves the next free slot `1/rate` after the previous one, atomically in a Lua script on
Redis's own clock (so the senders' clocks need not agree). A 429 pause is stored there too, and moves
every later slot after it: Telegram's flood limit is per bot, so every sender waits.
Two lanes: a reply (interactive) reserves the next free slot at once; a mass send reserves only when the
schedule is less than `MASS_HORIZON` slots ahead, so replies from any process queue behind at most a few
mass sends and the campaign takes what the replies leave.
"""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from bot.delivery.limits import INTERACTIVE, MASS

# KEYS: next-slot key, paused-until key. ARGV: interval (s), horizon (s). Returns {slot - now,
# paused_until - now, reserved} as strings (Lua numbers become integers on the way back); when the schedule
# is more than `horizon` ahead nothing is reserved and slot - now says how far. Times are Redis TIME.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'), paused)
if slot - now > tonumber(ARGV[2]) then return {tostring(slot - now), tostring(paused - now), '0'} end
redis.call('SET', KEYS[1], string.format('%.6f', slot + tonumber(ARGV[1])), 'EX', 3600)
return {tostring(slot - now), tostring(paused - now), '1'}
"""

# KEYS: next-slot key, paused-until key. ARGV: seconds. Returns 1 if this call lengthened the pause.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local untl = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if untl <= current then return 0 end
redis.call('SET', KEYS[2], string.format('%.6f', untl), 'EX', 3600)
if tonumber(redis.call('GET', KEYS[1]) or '0') < untl then
  redis.call('SET', KEYS[1], string.format('%.6f', untl), 'EX', 3600)
end
return 1
"""

# How late a process may wake for its slot before the slot counts as missed (seconds).
_LATE = 0.05
# A mass send reserves only when the shared schedule is at most this many slots ahead.
MASS_HORIZON = 3


class RedisRateLimiter:
    """Implements bot.delivery.limits.RateLimiter for every sender that uses the same Redis and prefix."""

    def __init__(self, redis: Redis, rate: float, prefix: str = "send") -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.redis = redis
        self.rate = rate
        self._interval = 1.0 / rate
        self._keys = [f"{prefix}:next-slot", f"{prefix}:paused-until"]
        self._reserve = redis.register_script(_RESERVE)
        self._pause = redis.register_script(_PAUSE)
        # One reservation at a time per process and lane: a round trip each, never a connection per waiting
        # send, and a reply never waits behind a mass send's reservation.
        self._locks = {INTERACTIVE: asyncio.Lock(), MASS: asyncio.Lock()}
        # The latest pause this process heard of (from any sender, through each reservation), local clock.
        self._paused_until = 0.0
        self.pauses = 0

    @classmethod
    def from_url(cls, url: str, rate: float, prefix: str = "send") -> RedisRateLimiter:
        return cls(Redis.from_url(url), rate, prefix)

    async def acquire(self, lane: str = MASS) -> None:
        loop = asyncio.get_running_loop()
        lane = INTERACTIVE if lane == INTERACTIVE else MASS
        horizon = 3600.0 if lane == INTERACTIVE else MASS_HORIZON * self._interval
        while True:
            async with self._locks[lane]:
                while True:
                    wait, paused, reserved = await self._reserve(
                        keys=self._keys, args=[f"{self._interval:.9f}", f"{horizon:.6f}"])
                    now = loop.time()
                    self._paused_until = max(self._paused_until, now + float(paused))
                    if int(reserved):
                        break
                    await asyncio.sleep(max(0.001, float(wait) - horizon))  # the schedule is full: come back
                slot = now + float(wait)
            if slot > now:
                await asyncio.sleep(slot - now)
            # a 429 that any sender saw while we slept moves our slot after the pause: take a new one
            if self._paused_until > slot:
                continue
            # Woken much later than our slot (a busy CPU stalled this process): sending now would land
            # together with the senders that kept time. Let the slot go unused and take a fresh one.
            if loop.time() - slot > _LATE:
                continue
            return

    async def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, asyncio.get_running_loop().time() + seconds)
        if await self._pause(keys=self._keys, args=[f"{max(0.0, seconds):.6f}"]):
            self.pauses += 1

    async def wait_pause(self) -> None:
        loop = asyncio.get_running_loop()
        while True:  # a pause may be lengthened by another 429 while we wait
            left = self._paused_until - loop.time()
            if left <= 0:
                return
            await asyncio.sleep(left)

    async def close(self) -> None:
        await self.redis.aclose()
