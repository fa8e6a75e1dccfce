"""The local context window (num_ctx) for a request."""

from router_service.context_sizing import ContextLimits, context_window, prompt_tokens

LIMITS = ContextLimits(minimum=2048, maximum=8192, reply_tokens=1024, headroom=256)


def chat(text: str, **extra: object) -> dict[str, object]:
    return {"messages": [{"role": "user", "content": text}], **extra}


def test_a_short_request_gets_the_minimum() -> None:
    assert context_window(chat("Are you open on Sunday?"), LIMITS) == 2048


def test_the_window_is_prompt_plus_reply_plus_headroom_rounded_to_a_power_of_two() -> None:
    request = chat("x" * 9000)  # 3,000 tokens at most
    needed = prompt_tokens(request) + 1024 + 256
    assert 4096 < needed <= 8192
    assert context_window(request, LIMITS) == 8192
    small_reply = chat("x" * 9000, max_tokens=200)
    assert context_window(small_reply, LIMITS) == 4096


def test_a_request_that_does_not_fit_gets_none() -> None:
    assert context_window(chat("x" * 30000), LIMITS) is None


def test_the_estimate_never_undercounts_cyrillic() -> None:
    russian = "Скажите, пожалуйста, во сколько вы открываетесь в воскресенье? " * 10
    # llama3 spends about a token per 2.5 Cyrillic characters; four per token would undercount.
    assert prompt_tokens(chat(russian)) >= len(russian) / 2.5
