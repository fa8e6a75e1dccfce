"""Provider failures, after LiteLLM's retries, told to the client plainly.

LiteLLM passes a provider's failure on with its own wording (a Python class
name, the provider's raw JSON, advice about fallbacks) and, for Anthropic's
529 "overloaded", as a 500, which reads like a bug in the router. This
callback turns each kind into one clear status and message in OpenAI's error
shape: 429 rate-limited (with Retry-After), 503 overloaded or unavailable,
504 timed out, 502 anything else the provider got wrong, including a refused
provider key, which is the operator's to fix, not the client's.

Errors the router raises itself (bad input, budgets, pinned-tier refusals)
and the provider's own 4xx about the request pass through unchanged.
"""

import math
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException
from litellm.exceptions import (
    APIConnectionError,
    AuthenticationError,
    PermissionDeniedError,
    RateLimitError,
    Timeout,
)
from litellm.integrations.custom_logger import CustomLogger
from litellm.proxy._types import UserAPIKeyAuth
from litellm.types.router import RouterRateLimitError

# A short wait the client can honour when the provider named none.
DEFAULT_RETRY_AFTER_S = 5


@dataclass(frozen=True)
class ProviderFailure:
    status: int
    message: str
    retry_after_s: int | None = None


def classify(error: Exception) -> ProviderFailure | None:
    """What to tell the client about `error`, or None to leave it as LiteLLM has it."""
    if isinstance(error, RouterRateLimitError):
        # LiteLLM rests a deployment after repeated failures (`allowed_fails`).
        wait_s = max(1, math.ceil(error.cooldown_time))
        return ProviderFailure(
            503,
            f"The {error.model} model is resting after repeated provider failures; "
            f"retry in {wait_s} s.",
            wait_s,
        )
    provider = getattr(error, "llm_provider", None)
    if not provider:
        return None  # not from a provider: the router's own errors keep their words
    if isinstance(error, RateLimitError):
        if getattr(error, "category", None) not in (None, "vendor_rate_limit"):
            return None  # LiteLLM's own limiter, not the provider's
        return ProviderFailure(
            429,
            f"The cloud model is rate-limited by {provider}; the router retried and gave up. "
            "Retry later.",
            _retry_after(error),
        )
    if isinstance(error, Timeout):
        return ProviderFailure(504, f"The model at {provider} did not answer in time.")
    if isinstance(error, APIConnectionError):
        return ProviderFailure(
            503, f"The model at {provider} could not be reached.", DEFAULT_RETRY_AFTER_S
        )
    if isinstance(error, AuthenticationError | PermissionDeniedError):
        return ProviderFailure(
            502,
            f"{provider} refused the router's credentials; the operator must check the "
            "provider key (your own key was accepted).",
        )
    if _overloaded(error):
        return ProviderFailure(
            503,
            f"The cloud model at {provider} is overloaded; the router retried and gave up. "
            "Retry later.",
            _retry_after(error),
        )
    status = getattr(error, "status_code", None)
    if isinstance(status, int) and status >= 500:
        return ProviderFailure(
            502, f"The model at {provider} failed (HTTP {_upstream_status(error, status)})."
        )
    return None


class ProviderErrors(CustomLogger):
    """LiteLLM's failure hook: replace a provider failure's error with a clear one."""

    async def async_post_call_failure_hook(
        self,
        request_data: dict[str, Any],
        original_exception: Exception,
        user_api_key_dict: UserAPIKeyAuth,
        traceback_str: str | None = None,
    ) -> HTTPException | None:
        failure = classify(original_exception)
        if failure is None:
            return None
        # LiteLLM's /v1/messages route ignores a returned exception and words
        # its error from the original's `message` and `status_code`.
        original_exception.message = failure.message  # type: ignore[attr-defined]
        original_exception.status_code = failure.status  # type: ignore[attr-defined]
        headers = None
        if failure.retry_after_s is not None:
            headers = {"retry-after": str(failure.retry_after_s)}
        return HTTPException(failure.status, failure.message, headers=headers)


def _overloaded(error: Exception) -> bool:
    status = _upstream_status(error, None)
    return status == 529 or (status is not None and status >= 500 and "overloaded" in str(error))


def _upstream_status(error: Exception, default: int | None) -> int | None:
    """The provider's own HTTP status (LiteLLM reports a 529 as 500)."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else default


def _retry_after(error: Exception) -> int:
    """The provider's Retry-After in whole seconds, or a short default."""
    for headers in (
        getattr(getattr(error, "response", None), "headers", None),
        getattr(error, "litellm_response_headers", None),
    ):
        value = headers.get("retry-after") if headers is not None else None
        if value is not None:
            try:
                return max(1, round(float(value)))
            except ValueError:
                break
    return DEFAULT_RETRY_AFTER_S
