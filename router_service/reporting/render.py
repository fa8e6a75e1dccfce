"""A summary as the operator reads it: a dict (JSON), a text table, or CSV."""

import csv
import io
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from router_service.reporting.summary import Summary, Tally

PERIOD = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
MAX_PERIOD = timedelta(days=3660)
# A type served locally this often (or this rarely) is shown as `local` (`cloud`).
CLEAR_TIER_SHARE = 0.95
TYPE_COLUMNS = (
    "interaction_type", "tier", "share", "requests", "local_share", "cost_usd",
    "all_cloud_cost_usd", "escalation_rate", "follow_up_rate",
)  # fmt: skip


def parse_period(text: str) -> timedelta:
    """`30d`, `12h`, `90m`, `2w` as a timedelta; ValueError with the accepted forms."""
    problem = f"a period is a number and m, h, d or w (like 30d or 12h), up to 10 years: {text!r}"
    match = PERIOD.match(text)
    if match is None or len(match[1]) > 7:  # seven digits: no overflow below
        raise ValueError(problem)
    period = timedelta(**{UNITS[match[2]]: int(match[1])})
    if not timedelta(0) < period <= MAX_PERIOD:
        raise ValueError(problem)
    return period


def report_dict(summary: Summary, client: str | None) -> dict[str, Any]:
    total = summary.total
    return {
        "since": summary.since.isoformat(),
        "until": summary.until.isoformat(),
        "client": client,
        "bucket_s": summary.bucket_s,
        "totals": {
            **_tally(total),
            "refused": summary.refused,
            "cloud_cost_usd": _usd(total.cloud_micros),
            "local_gpu_cost_usd": _usd(total.local_micros),
            "local_busy_s": round(total.local_busy_s, 3),
            "savings_usd": _usd(total.all_cloud_micros - total.actual_micros),
            "savings_share": _ratio(
                total.all_cloud_micros - total.actual_micros, total.all_cloud_micros
            ),
        },
        "types": [
            {
                "interaction_type": name,
                "tier": _tier(tally),
                "share": _ratio(tally.requests, total.requests),
                **_tally(tally),
            }
            for name, tally in summary.types()
        ],
        "timeline": [
            {"start": start.isoformat(), **_tally(tally)} for start, tally in summary.timeline()
        ],
    }


def report_csv(report: dict[str, Any]) -> str:
    """One row per interaction type (the JSON format has the totals and the timeline)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=TYPE_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(report["types"])
    return out.getvalue()


def report_table(report: dict[str, Any]) -> list[str]:
    totals = report["totals"]
    who = report["client"] or "all clients"
    lines = [
        f"Requests {_day(report['since'])} to {_day(report['until'])} ({who}): "
        f"{totals['requests']:,} routed, {totals['refused']:,} refused before routing",
        f"Cost {_money(totals['cost_usd'])} against {_money(totals['all_cloud_cost_usd'])} "
        f"all on the cloud: saved {_money(totals['savings_usd'])} "
        f"({_percent(totals['savings_share'])})",
        f"  cloud {_money(totals['cloud_cost_usd'])}, local GPU "
        f"{_money(totals['local_gpu_cost_usd'])} over "
        f"{totals['local_busy_s'] / 3600:.2f} busy hours",
        f"Served local {_percent(totals['local_share'])}; escalated "
        f"{_percent(totals['escalation_rate'])} of local decisions; followed up "
        f"{_percent(totals['follow_up_rate'])} of answers",
        "",
    ]
    header = ("interaction type", "share", "requests", "tier", "local", "cost", "all-cloud")
    rows: list[tuple[str, ...]] = [(*header, "escalated", "followed up")]
    for item in report["types"]:
        rows.append(
            (
                item["interaction_type"],
                _percent(item["share"]),
                f"{item['requests']:,}",
                item["tier"],
                _percent(item["local_share"]),
                _money(item["cost_usd"]),
                _money(item["all_cloud_cost_usd"]),
                _percent(item["escalation_rate"]),
                _percent(item["follow_up_rate"]),
            )
        )
    lines += table(rows)
    lines += ["", f"Escalations over time (buckets of {_duration(report['bucket_s'])})"]
    timeline: list[tuple[str, ...]] = [("start", "requests", "routed local", "escalated", "rate")]
    for bucket in report["timeline"]:
        if bucket["requests"]:
            timeline.append(
                (
                    bucket["start"][:16].replace("T", " "),
                    f"{bucket['requests']:,}",
                    f"{bucket['routed_local']:,}",
                    f"{bucket['escalations']:,}",
                    _percent(bucket["escalation_rate"]),
                )
            )
    return lines + table(timeline)


def _tally(tally: Tally) -> dict[str, Any]:
    return {
        "requests": tally.requests,
        "routed_local": tally.routed_local,
        "served_local": tally.served_local,
        "served_cloud": tally.served_cloud,
        "local_share": _round(tally.local_share),
        "escalations": tally.escalations,
        "escalation_rate": _round(tally.escalation_rate),
        "answered": tally.answered,
        "followed_up": tally.followed_up,
        "follow_up_rate": _round(tally.follow_up_rate),
        "breaker_diverted": tally.breaker_diverted,
        "cost_usd": _usd(tally.actual_micros),
        "all_cloud_cost_usd": _usd(tally.all_cloud_micros),
    }


def _tier(tally: Tally) -> str:
    share = tally.local_share
    if share is None:
        return "-"
    if share >= CLEAR_TIER_SHARE:
        return "local"
    return "cloud" if share <= 1 - CLEAR_TIER_SHARE else "mixed"


def table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows of cells as lines of left-aligned columns."""
    widths = [max(len(row[index]) for row in rows) for index in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _usd(micros: float) -> float:
    return round(micros / 1_000_000, 6)


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _money(usd: float) -> str:
    return f"${usd:,.2f}" if abs(usd) >= 1 else f"${usd:,.4f}"


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.1%}"


def _day(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")


def _duration(seconds: int) -> str:
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count > 1 else ''}" if count > 1 else f"1 {unit}"
    return f"{seconds} s"
