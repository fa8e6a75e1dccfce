import string

from hypothesis import given
from hypothesis import strategies as st

from classifier import extract_features
from classifier import features as features_module
from classifier.numeric import MAX_TURN_INDEX, NUMERIC_FEATURES, numeric_vector
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


def test_system_prompts_and_tool_results_count_apart_from_the_chat() -> None:
    request = {
        "messages": [
            {"role": "system", "content": CAFE_SYSTEM},
            {"role": "user", "content": "Do you cater for 40?"},
            {"role": "assistant", "content": "Yes, see the contract."},
            {"role": "tool", "content": "Catering contract. " * 50},
            {"role": "user", "content": "Can we cancel a week before?"},
        ]
    }
    features = extract_features(request)
    documents = estimate_tokens(CAFE_SYSTEM) + estimate_tokens("Catering contract. " * 50)
    assert features.system_tokens == documents
    assert features.context_tokens - features.system_tokens == estimate_tokens(
        "Do you cater for 40?"
    ) + estimate_tokens("Yes, see the contract.")


# Printable ASCII with extra capitals, digits and the markers of URLs and code.
ASCII_PIECES = [*string.printable, "://", "www.", "WWW.", "def f(", "```", '{"', ";\n"]
ASCII_TEXT = st.lists(st.sampled_from(ASCII_PIECES), max_size=200).map("".join)


@given(ASCII_TEXT)
def test_counts_of_ascii_text_agree_with_the_unicode_definition(text: str) -> None:
    expected = (
        sum(map(str.isalpha, text)),
        sum(map(str.isupper, text)),
        sum(map(str.isdigit, text)),
    )
    assert features_module._character_counts(text) == expected


@given(st.one_of(ASCII_TEXT, st.text(max_size=200)))
def test_url_and_code_prefilters_never_hide_a_match(text: str) -> None:
    assert features_module._has_url(text) == bool(features_module.URL.search(text))
    assert features_module._has_code(text) == bool(features_module.CODE.search(text))


def test_turn_index_is_capped_for_the_model() -> None:
    def with_turns(count: int) -> list[float]:
        messages = []
        for number in range(count):
            messages += [{"role": "user", "content": f"question {number}"}]
            messages += [{"role": "assistant", "content": "answer"}]
        return numeric_vector(extract_features({"messages": messages[:-1]}))

    turn = NUMERIC_FEATURES.index("log_turn_index")
    assert with_turns(2)[turn] < with_turns(MAX_TURN_INDEX)[turn] == with_turns(12)[turn]


def test_earlier_messages_and_documents_are_told_apart_from_the_bot_prompt() -> None:
    document = "Clause 4: the caterer is liable for late delivery. " * 30
    features = extract_features(
        {
            "messages": [
                {"role": "system", "content": CAFE_SYSTEM},  # the bot's own instructions
                {"role": "system", "content": document},  # a retrieved document
                {"role": "user", "content": "Are you open on Saturday?"},
                {"role": "assistant", "content": "Yes, from 9 to 18. " * 20},
                {"role": "user", "content": "and on Sunday?"},
            ]
        }
    )
    assert features.document_tokens == estimate_tokens(document)
    assert features.earlier_user_texts == ("Are you open on Saturday?",)
    pasted = extract_features(
        {
            "messages": [
                {"role": "user", "content": document},
                {"role": "assistant", "content": "Noted."},
                {"role": "user", "content": "shorter please"},
            ]
        }
    )
    assert pasted.document_tokens == estimate_tokens(document)  # pasted earlier: a document
    first = extract_features({"messages": [{"role": "user", "content": document}]})
    assert first.document_tokens == 0  # the message itself is not a document of its own
