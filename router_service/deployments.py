"""The deployments of `litellm_config.yaml`: their models and tiers, by deployment id.

LiteLLM names the deployment a call or log event is about by its id
(`model_info.id`); the routing hook and the local monitor need its model (for
the `x-hybrid-actual-model` header) and its tier.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class DeploymentIndex:
    """Deployment id (`model_info.id`) → LiteLLM model string and tier, from the config."""

    models_by_id: Mapping[str, str]
    tiers_by_id: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, path: Path) -> "DeploymentIndex":
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        models: dict[str, str] = {}
        tiers: dict[str, str] = {}
        for entry in config.get("model_list") or []:
            deployment_id = (entry.get("model_info") or {}).get("id")
            model = (entry.get("litellm_params") or {}).get("model")
            if isinstance(deployment_id, str) and isinstance(model, str):
                models[deployment_id] = model
                tiers[deployment_id] = str(entry.get("model_name"))
        return cls(models, tiers)

    def tier(self, kwargs: Mapping[str, Any]) -> str | None:
        """The tier (`local` / `cloud`) of the deployment a call or log event is about."""
        deployment_id = _deployment_id(kwargs)
        return self.tiers_by_id.get(deployment_id) if deployment_id is not None else None

    def ollama_model(self) -> str | None:
        """Ollama's name of the local model, e.g. `llama3.1:8b`."""
        for deployment_id, tier in self.tiers_by_id.items():
            model = self.models_by_id[deployment_id]
            if tier == "local" and model.startswith(("ollama_chat/", "ollama/")):
                return model.split("/", 1)[1]
        return None

    def model(self, kwargs: Mapping[str, Any]) -> str | None:
        """The LiteLLM model string of the deployment a call is about."""
        deployment_id = _deployment_id(kwargs)
        return self.models_by_id.get(deployment_id) if deployment_id is not None else None

    def actual_model(
        self, litellm_call_info: Mapping[str, object], answered_by: str | None
    ) -> str | None:
        """The model that answered: LiteLLM's call info where it has one, else our record.

        A chat completion or a stream carries its deployment id; a
        non-streaming `/v1/messages` reply carries neither id nor model.
        """
        deployment_id = litellm_call_info.get("model_id")
        if isinstance(deployment_id, str) and deployment_id in self.models_by_id:
            return self.models_by_id[deployment_id]
        return answered_by


def _deployment_id(kwargs: Mapping[str, Any]) -> str | None:
    model_info = kwargs.get("model_info")
    litellm_params = kwargs.get("litellm_params")
    if not isinstance(model_info, Mapping) and isinstance(litellm_params, Mapping):
        model_info = litellm_params.get("model_info")
    deployment_id = model_info.get("id") if isinstance(model_info, Mapping) else None
    return deployment_id if isinstance(deployment_id, str) else None
