"""The routing tier of a public-dataset row, read from `tier_mapping.json`.

The mapping file beside the datasets is the single source of truth: intent
maps for the intent-labelled sets and small rules for the others. This module
only reads it; every tier decision a loader makes goes through here, so a
change of mind is an edit to the JSON, not to code.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.examples import Label

MAPPING_FILE = "tier_mapping.json"
TIERS: tuple[Label, ...] = ("local", "cloud", "unknown")
# When one row carries several intents, the most cautious tier wins: a
# complaint inside an order is still a complaint (asymmetric error cost).
_PRECEDENCE: tuple[Label, ...] = ("cloud", "unknown", "local")


@dataclass(frozen=True)
class TierLabel:
    tier: Label
    borderline: bool


def as_tier(value: object) -> Label:
    """`value` as a tier name; a typo in the mapping file fails loudly."""
    if value not in TIERS:
        raise ValueError(f"not a tier: {value!r}")
    return value


class TierMapping:
    """Look-ups into the parsed mapping file."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    @classmethod
    def load(cls, datasets_dir: Path) -> "TierMapping":
        with (datasets_dir / MAPPING_FILE).open(encoding="utf-8") as handle:
            return cls(json.load(handle))

    def intent(self, dataset: str, intent: str) -> TierLabel:
        """The label of one intent; an intent missing from the map is a KeyError."""
        entry = self.raw["intent_maps"][dataset][intent]
        return TierLabel(as_tier(entry["tier"]), bool(entry["borderline"]))

    def intents(self, dataset: str, intents: Iterable[str]) -> TierLabel:
        """The label of a multi-intent row: the most cautious tier among them."""
        labels = [self.intent(dataset, name) for name in intents]
        if not labels:
            raise ValueError(f"{dataset}: a row with no intent")
        tier = next(t for t in _PRECEDENCE if any(label.tier == t for label in labels))
        borderline = any(label.borderline for label in labels if label.tier == tier)
        return TierLabel(tier, borderline)

    def rule(self, dataset: str) -> Mapping[str, Any]:
        rule: Mapping[str, Any] = self.raw["rules"][dataset]
        return rule

    def whole_set(self, dataset: str) -> TierLabel:
        """Sets whose rule gives every row one tier (`"all": ...`)."""
        return TierLabel(as_tier(self.rule(dataset)["all"]), False)

    def nlupp(self, intents: Iterable[str]) -> TierLabel:
        """`rules.nlupp`: cloud if any problem module, else the default tier,
        flagged borderline when a judgement-call module is present."""
        rule = self.rule("nlupp")
        present = set(intents)
        if present & set(rule["cloud_if_any"]):
            return TierLabel("cloud", False)
        return TierLabel(as_tier(rule["else"]), bool(present & set(rule["borderline_if_any"])))
