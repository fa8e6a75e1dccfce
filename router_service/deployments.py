"""Which deployment answered: the model behind the `x-hybrid-actual-model` header."""

from collections.abc import Mapping
from typing import Any


def actual_model(litellm_call_info: Mapping[str, object], response: object) -> str | None:
    """`provider/model` of the deployment that produced the response, if known."""
    model_info = litellm_call_info.get("model_info")
    provider = litellm_call_info.get("custom_llm_provider")
    hidden: Any = getattr(response, "_hidden_params", None) or {}
    model = hidden.get("litellm_model_name") if isinstance(hidden, Mapping) else None
    if model is None and isinstance(model_info, Mapping):
        model = model_info.get("litellm_model_name")
    if model is None:
        model = getattr(response, "model", None)
    if not isinstance(model, str) or not model:
        return None
    if isinstance(provider, str) and provider and not model.startswith(provider + "/"):
        return f"{provider}/{model}"
    return model
