"""The bot's global send rate shared by several sender processes: the same GCRA as LocalRateLimiter, in Redis.

Each send reserves the next free slot `1/rate` after the previous one, atomically in a Lua script on
Redis's own clock (so the senders' clocks need not agree). A 429 pause is stored there too, and moves
every later slot after it: Telegram's flood limit is per bot, so every sender waits.
"""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

# KEYS: next-slot key, paused-until key. ARGV: interval (s). Returns {slot - now, paused_until - now} as
# strings (Lua numbers become integers on the way back). Times are Redis TIME in seconds.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'), paused)
redis.call('SET', KEYS[1], string.format('%.6f', slot + tonumber(ARGV[1])), 'EX', 3600)
return {tostring(slot - now), tostring(paused - now)}
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
        # One reservation at a time per process: a round trip each, and never a connection per waiting send.
        self._lock = asyncio.Lock()
        # The latest pause this process heard of (from any sender, through each reservation), local clock.
        self._paused_until = 0.0
        self.pauses = 0

    @classmethod
    def from_url(cls, url: str, rate: float, prefix: str = "send") -> RedisRateLimiter:
        return cls(Redis.from_url(url), rate, prefix)

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            async with self._lock:
                wait, paused = await self._reserve(keys=self._keys, args=[f"{self._interval:.9f}"])
                now = loop.time()
                slot = now + float(wait)
                self._paused_until = max(self._paused_until, now + float(paused))
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

    async def close(self) -> None:
        await self.redis.aclose()
