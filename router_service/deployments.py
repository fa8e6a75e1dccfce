"""Which deployment answered: the model behind the `x-hybrid-actual-model` header.

LiteLLM reports the answering deployment in different places per route: a
chat completion or a stream carries its deployment id, while a non-streaming
`/v1/messages` reply carries neither id nor model. So the routing hook also
records the model of each successful deployment call in the request metadata,
and the header uses the id when there is one, else that record.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ANSWERED_BY_KEY = "hybrid_router_answered_by"


@dataclass(frozen=True)
class DeploymentIndex:
    """Deployment id (`model_info.id`) → LiteLLM model string, from the config."""

    models_by_id: Mapping[str, str]

    @classmethod
    def from_config(cls, path: Path) -> "DeploymentIndex":
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        models: dict[str, str] = {}
        for entry in config.get("model_list") or []:
            deployment_id = (entry.get("model_info") or {}).get("id")
            model = (entry.get("litellm_params") or {}).get("model")
            if isinstance(deployment_id, str) and isinstance(model, str):
                models[deployment_id] = model
        return cls(models)

    def actual_model(
        self, litellm_call_info: Mapping[str, object], metadata: Mapping[str, Any]
    ) -> str | None:
        deployment_id = litellm_call_info.get("model_id")
        if isinstance(deployment_id, str) and deployment_id in self.models_by_id:
            return self.models_by_id[deployment_id]
        answered_by = metadata.get(ANSWERED_BY_KEY)
        return answered_by if isinstance(answered_by, str) else None
