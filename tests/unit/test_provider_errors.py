"""Provider failures become one clear status each; the router's own errors pass through."""

import httpx
import pytest
from litellm.exceptions import (
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    RateLimitError,
    ServiceUnavailableError,
)

from router_service.provider_errors import DEFAULT_RETRY_AFTER_S, classify

REQUEST = httpx.Request("POST", "http://anthropic.test/v1/messages")


def response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=REQUEST)


def test_a_provider_429_is_a_429_with_its_retry_after() -> None:
    error = RateLimitError(
        "slow down", "anthropic", "claude", response=response(429, **{"retry-after": "7"})
    )
    failure = classify(error)
    assert failure is not None
    assert (failure.status, failure.retry_after_s) == (429, 7)
    assert "rate-limited by anthropic" in failure.message


def test_the_routers_own_rate_limit_is_left_alone() -> None:
    error = RateLimitError("too many", "", "cloud", category="litellm_rate_limit")
    assert classify(error) is None


def test_an_overloaded_provider_is_a_503_not_a_500() -> None:
    error = InternalServerError(
        '{"type": "overloaded_error"}', "anthropic", "claude", response(529)
    )
    failure = classify(error)
    assert failure is not None
    assert (failure.status, failure.retry_after_s) == (503, DEFAULT_RETRY_AFTER_S)
    assert "overloaded" in failure.message


def test_any_other_provider_5xx_is_a_502() -> None:
    error = ServiceUnavailableError("boom", "anthropic", "claude", response(500))
    failure = classify(error)
    assert failure is not None
    assert failure.status == 502


def test_a_refused_provider_key_is_the_operators_problem_not_the_clients() -> None:
    failure = classify(AuthenticationError("bad x-api-key", "anthropic", "claude"))
    assert failure is not None
    assert failure.status == 502
    assert "provider key" in failure.message


@pytest.mark.parametrize("status", [400, 404, 422])
def test_a_provider_4xx_about_the_request_is_left_alone(status: int) -> None:
    error = BadRequestError("prompt is too long", "claude", "anthropic", response(status))
    assert classify(error) is None
