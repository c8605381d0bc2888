"""`python3 -m bot.healthcheck [PORT]`: exit 0 if this container's bot process answers /healthz, else 1.

The image's HEALTHCHECK. The port: the argument, else METRICS_PORT (the scheduler and the sender serve
/healthz there), else WEBHOOK_PORT (a webhook worker), else 8080. Imports nothing of the bot: a check
every few seconds must stay cheap.
"""

from __future__ import annotations

import os
import sys
import urllib.request


def health_port(argv: list[str], env: dict[str, str] | os._Environ[str]) -> int:
    return int(argv[0] if argv else env.get("METRICS_PORT") or env.get("WEBHOOK_PORT") or 8080)


def main(argv: list[str]) -> int:
    url = f"http://127.0.0.1:{health_port(argv, os.environ)}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return 0 if answer.status == 200 else 1
    except OSError as error:
        print(f"{url}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
