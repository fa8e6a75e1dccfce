"""The two tiers and the client-facing aliases."""

from typing import Literal

Tier = Literal["local", "cloud"]
TIERS: tuple[Tier, ...] = ("local", "cloud")
AUTO = "auto"
