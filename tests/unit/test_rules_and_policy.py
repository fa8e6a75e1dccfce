import pytest

from classifier import Policy, RulesError, RuleSet, SoftScorer, decide, extract_features
from router_service.core.config import Settings
from router_service.request_router import load_rules

RULES = load_rules(Settings().rules_path)


def route(text: str, **request: object) -> str:
    features = extract_features({"messages": [{"role": "user", "content": text}], **request})
    decision = decide(features, RULES, SoftScorer(), Policy())
    return f"{decision.tier} {decision.reason}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What are your opening hours?", "local rule:opening_hours"),
        ("Во сколько вы открываетесь?", "local rule:opening_hours"),
        ("What's your address?", "local rule:address"),
        ("Где вы находитесь?", "local rule:address"),
        ("How much is a cappuccino?", "local rule:prices"),
        ("Сколько стоит капучино?", "local rule:prices"),
        ("I want to complain about my order", "cloud rule:complaint"),
        ("Хочу оставить жалобу на официанта", "cloud rule:complaint"),
        ("Last time the wrap made me ill", "cloud rule:complaint"),
        ("My order still hasn't arrived", "cloud rule:complaint"),
        ("Can I talk to an actual person?", "cloud rule:complaint"),
        ("Вы не ответили на мой вопрос", "cloud rule:complaint"),
        ("My lawyer will contact you", "cloud rule:legal"),
        ("Я обращусь в суд", "cloud rule:legal"),
        ("Write a poem about our croissants", "cloud rule:generation"),
        ("Напиши пост для инстаграма", "cloud rule:generation"),
        ("Is there anything with nuts? I have an allergy", "cloud rule:allergy"),
        ("У меня целиакия, брауни точно без глютена?", "cloud rule:allergy"),
    ],
)
def test_default_rules(text: str, expected: str) -> None:
    assert route(text) == expected


def test_cloud_rules_win_over_local_rules() -> None:
    assert route("What are your hours? I want a refund") == "cloud rule:complaint"


def route_conversation(*turns: tuple[str, str]) -> str:
    messages = [{"role": role, "content": text} for role, text in turns]
    decision = decide(extract_features({"messages": messages}), RULES, SoftScorer(), Policy())
    return f"{decision.tier} {decision.reason}"


def test_a_conversation_that_hit_a_cloud_rule_stays_on_the_cloud() -> None:
    complaint = ("user", "I want to complain, my order was cold")
    reply = ("assistant", "I'm sorry to hear that. We will look into it.")
    assert route_conversation(complaint, reply, ("user", "and what now?")) == (
        "cloud rule:complaint:earlier"
    )
    allergy = ("user", "My son is allergic to peanuts, can he have the carrot cake?")
    advice = ("assistant", "Please speak to our staff before ordering.")
    assert route_conversation(allergy, advice, ("user", "what about the banana bread?")) == (
        "cloud rule:allergy:earlier"
    )
    hours = ("user", "When do you open on Sunday?")
    answer = ("assistant", "From 9 to 17.")
    assert route_conversation(hours, answer, ("user", "What are your opening hours?")) == (
        "local rule:opening_hours"
    )
    # Length alone does not carry over: a long question is not a document.
    long_question = ("user", "Hello, we are a group of six with two small children " * 3)
    assert route_conversation(long_question, answer, ("user", "What's your address?")) == (
        "local rule:address"
    )


def test_a_local_rule_answers_a_clean_follow_up_after_a_cloud_rule() -> None:
    # Hours, address, prices and thanks do not depend on the complaint before them.
    complaint = ("user", "I want to complain, my order was cold")
    reply = ("assistant", "I'm sorry to hear that. We will look into it.")
    for question, rule in [
        ("What are your opening hours?", "opening_hours"),
        ("ok, and where are you located?", "address"),
        ("how much is a flat white?", "prices"),
        ("thanks, bye", "courtesy"),
    ]:
        assert route_conversation(complaint, reply, ("user", question)) == f"local rule:{rule}"
    # Not when the follow-up is itself a complaint, or not clean.
    for question in ["great, thanks for nothing", "What are your opening hours?!! Answer me!"]:
        decision = route_conversation(complaint, reply, ("user", question))
        assert decision.startswith("cloud rule:complaint"), question


def test_thanks_followed_by_a_request_is_not_courtesy() -> None:
    task = ("user", "Write a short Instagram post about our new pumpkin latte")
    post = ("assistant", "Autumn is here! Our pumpkin latte is back.")
    for follow_up in [
        "ok now make it shorter",
        "thanks, please add a hashtag",
        "Хорошо, теперь сделай короче",
    ]:
        assert route_conversation(task, post, ("user", follow_up)) == (
            "cloud rule:generation:earlier"
        ), follow_up
    assert route_conversation(task, post, ("user", "perfect, thank you!")) == "local rule:courtesy"


def test_documents_go_to_the_cloud_and_make_a_request_unclean() -> None:
    system = ("system", "You are the assistant of Café Lune. " * 50)  # the bot's own prompt
    question = ("user", "How much is a cappuccino?")
    assert route_conversation(system, question) == "local rule:prices"
    page = ("system", "Invoice: 12 kg butter, 30 litres oat milk, delivery. " * 40)
    assert route_conversation(system, page, question) == "cloud rule:documents"
    snippet = ("system", "Cappuccino 3.20, latte 3.40.")
    assert route_conversation(system, snippet, question).split()[1] != "rule:prices"
    pasted = ("user", "Here is the supplier's invoice: " + "butter 12 kg at 9.80; " * 80)
    assert route_conversation(pasted, ("assistant", "Thanks."), question) == (
        "cloud rule:documents"
    )


def test_local_rule_needs_a_clean_request() -> None:
    decision = route("What are your opening hours? Reply in JSON.")
    assert decision.startswith("cloud ")
    assert "rule:" not in decision


def test_rules_fire_before_the_score() -> None:
    # A long context would score cloud; the complaint rule decides first all the same.
    long_context = [{"role": "system", "content": "policy text " * 2000}]
    features = extract_features(
        {"messages": [*long_context, {"role": "user", "content": "I want to complain"}]}
    )
    decision = decide(features, RULES, SoftScorer(), Policy())
    assert decision.reason == "rule:complaint"
    assert decision.score is None


def test_soft_score_routes_long_context_and_json_to_cloud() -> None:
    rag = "Document: " + "the terms of the loyalty programme are as follows. " * 300
    with_document = [{"role": "system", "content": rag}]
    assert route(
        "Can I combine two vouchers?",
        messages=[*with_document, {"role": "user", "content": "Can I combine two vouchers?"}],
    ).startswith("cloud score")
    assert route(f"{rag}\nQuestion: can I combine two vouchers?") == "cloud rule:long_message"
    assert route("Give me today's specials", response_format={"type": "json_object"}).startswith(
        "cloud score"
    )
    assert route("Can I bring my dog inside?") == "local score"


def test_confidence_falls_for_foreign_script_and_gibberish() -> None:
    scorer = SoftScorer()
    for text in ("日曜日は営業していますか", "xkcd qwrtp zxcvb mnbvc"):
        scored = scorer.score(extract_features({"messages": [{"role": "user", "content": text}]}))
        assert scored.confidence < Policy().confidence_threshold, text
    known = extract_features({"messages": [{"role": "user", "content": "Can I bring my dog?"}]})
    assert scorer.score(known).confidence >= Policy().confidence_threshold


@pytest.mark.parametrize(
    ("score", "confidence", "tier", "reason"),
    [
        (0.35, 0.6, "local", "score"),
        (0.3501, 0.9, "cloud", "score"),
        (0.1, 0.5999, "cloud", "low_confidence"),
        (0.9, 0.1, "cloud", "score"),
    ],
)
def test_policy_thresholds(score: float, confidence: float, tier: str, reason: str) -> None:
    policy = Policy()
    assert policy.tier(score, confidence) == tier
    assert policy.reason(score, confidence) == reason


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "'rules' must be a list"),
        ({"rules": [{"name": "x", "tier": "gpu", "patterns": ["a"]}]}, "'tier' must be"),
        ({"rules": [{"name": "x", "tier": "local", "patterns": []}]}, "non-empty list"),
        ({"rules": [{"name": "x", "tier": "cloud", "min_message_tokens": 0}]}, "positive integer"),
        ({"rules": [{"name": "x", "tier": "local", "patterns": ["("]}]}, "bad pattern"),
    ],
)
def test_malformed_rules_are_refused_clearly(data: dict[str, object], message: str) -> None:
    with pytest.raises(RulesError, match=message):
        RuleSet.from_mapping(data)
