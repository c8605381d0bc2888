"""The alert rules and the dashboard ask for metrics the bot really exports, under their exact names."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client import REGISTRY

import bot.metrics  # noqa: F401 - registers the bot's metrics

ROOT = Path(__file__).resolve().parents[2]
SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created")


def exported() -> set[str]:
    names = set()
    for family in REGISTRY.collect():
        if family.name.startswith("bot_"):
            names.add(family.name)
            names.update(family.name + suffix for suffix in SUFFIXES)
    return names


def referenced(text: str) -> set[str]:
    return set(re.findall(r"\b(bot_[a-z0-9_]+)", text))


def test_every_alert_rule_uses_exported_metrics() -> None:
    rules = (ROOT / "deploy" / "prometheus" / "alerts.yml").read_text()
    used = referenced(rules)
    assert used and used <= exported(), used - exported()
    for alert in ("VolunteerBotSenderStalled", "VolunteerBotQueueAge", "VolunteerBotFloodWaitStorm",
                  "VolunteerBotNoUpdates"):
        assert f"alert: {alert}\n" in rules


def test_every_dashboard_panel_uses_exported_metrics() -> None:
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "volunteer-bot.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    used = referenced("\n".join(expressions))
    assert used <= exported(), used - exported()
    for name in ("bot_outbox_oldest_pending_seconds", "bot_sends_total", "bot_flood_waits_total",
                 "bot_api_latency_seconds_bucket", "bot_update_seconds_bucket", "bot_scheduler_job_runs_total"):
        assert name in used
