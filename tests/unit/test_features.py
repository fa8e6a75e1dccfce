from classifier import extract_features
from classifier.tokens import estimate_tokens

CAFE_SYSTEM = "You are the assistant of Café Lune. " * 20


def test_openai_request_with_system_prompt_and_history() -> None:
    features = extract_features(
        {
            "model": "auto",
            "messages": [
                {"role": "system", "content": CAFE_SYSTEM},
                {"role": "user", "content": "Are you open on Saturday?"},
                {"role": "assistant", "content": "Yes, from 9 to 18."},
                {"role": "user", "content": "and on Sunday?"},
            ],
        }
    )
    assert features.last_user_text == "and on Sunday?"
    assert features.previous_user_text == "Are you open on Saturday?"
    assert features.turn_index == 2
    assert features.last_user_tokens == estimate_tokens("and on Sunday?")
    assert features.context_tokens == features.prompt_tokens - features.last_user_tokens
    assert features.context_tokens >= estimate_tokens(CAFE_SYSTEM)
    assert features.clarifying_streak == 0  # a follow-up, not a complaint about the answer


def test_anthropic_request_with_top_level_system_and_blocks() -> None:
    features = extract_features(
        {
            "model": "auto",
            "system": [{"type": "text", "text": "Answer in JSON only."}],
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "Menu for today?"}]}
            ],
        }
    )
    assert features.last_user_text == "Menu for today?"
    assert features.requires_json
    assert features.turn_index == 1


def test_response_format_and_schema_make_json_required() -> None:
    schema = {"type": "object", "properties": {"open": {"type": "boolean"}}}
    features = extract_features(
        {
            "messages": [{"role": "user", "content": "Are you open?"}],
            "response_format": {"type": "json_schema", "json_schema": {"schema": schema}},
        }
    )
    assert features.requires_json
    assert features.json_schema == schema


def test_plain_question_has_no_complexity_signals() -> None:
    features = extract_features({"messages": [{"role": "user", "content": "Do you have wifi?"}]})
    assert not features.requires_json
    assert not features.has_tools
    assert features.clarifying_streak == 0
    assert features.exclamations == 0


def test_urgency_digits_urls_and_code() -> None:
    text = "MY ORDER 12345678 NEVER CAME!!! https://x.io ```x```"
    features = extract_features({"messages": [{"role": "user", "content": text}]})
    assert features.exclamations == 3
    assert features.caps_ratio > 0.5
    assert features.digits == 8
    assert features.has_url
    assert features.has_code


def test_tools_are_detected() -> None:
    features = extract_features(
        {
            "messages": [{"role": "user", "content": "Book a table"}],
            "tools": [{"type": "function", "function": {"name": "book"}}],
        }
    )
    assert features.has_tools


def test_clarifying_streak_counts_turns_saying_the_answer_did_not_help() -> None:
    turns = [
        ("user", "Can I change my catering order?"),
        ("assistant", "Please see our policy."),
        ("user", "What do you mean? Which policy?"),
        ("assistant", "The catering policy."),
        ("user", "I still don't understand, can I change it or not?"),
    ]
    request = {"messages": [{"role": role, "content": text} for role, text in turns]}
    assert extract_features(request).clarifying_streak == 2
    russian = {"messages": [{"role": "user", "content": "Не понял, объясните ещё раз"}]}
    assert extract_features(russian).clarifying_streak == 1


def test_long_message_is_read_by_its_head_and_tail() -> None:
    document = "Terms of the loyalty programme. " * 400
    text = f"{document}\nQuestion: do my points expire?"
    features = extract_features({"messages": [{"role": "user", "content": text}]})
    assert len(features.last_user_text) < 1100
    assert features.last_user_text.endswith("do my points expire?")
    assert features.last_user_tokens == estimate_tokens(text)  # size counts the whole text
