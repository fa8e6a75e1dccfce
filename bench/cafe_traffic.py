"""A month of café-bot traffic, each request labelled with the tier it really needs.

    python -m bench.cafe_traffic [--requests 60000] [--seed 0] [--check-router]

The replay benchmark sends these requests through the real proxy. The mix is
fixed by request (not by conversation): faq 61%, menu 18%, edge 12%, rag 9%.
FAQ and menu questions are local, except allergy and coeliac questions
(safety, liability), which are cloud but stay `menu`. Edge cases (complaints,
refunds, legal, privacy, tangled multi-part questions) and RAG / generation
requests are cloud. About 40% of conversations have 2–4 turns; a follow-up's
kind and truth come from its own content, and its messages carry the earlier
turns with short assistant replies.

Real user phrasings are read at run time from the held-out splits of the
permissive sets in `shared/datasets` (Restaurant-8k test, CLINC150 test,
MultiDoGO test and dev); everything else is written in `bench/cafe_texts.py`.
The share-alike sets (SGD, Bitext) are never read.

`--check-router` routes every request offline with the project's own router
and prints, per kind and truth, where it went.
"""

import argparse
import csv
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.cafe_texts import (
    ALLERGEN_FOOT,
    ALLERGEN_HEAD,
    ALLERGEN_ROWS,
    ALLERGY_QUESTIONS,
    ALLERGY_QUESTIONS_RU,
    ALLERGY_REPLY,
    ALLERGY_REPLY_RU,
    BOOKED_REPLY,
    BOOKING_QUESTIONS,
    CONTRACT_CLAUSES,
    CONTRACT_HEAD,
    DISHES,
    DOCUMENT_FOLLOW_UPS,
    DOCUMENT_JSON_QUESTIONS,
    DOCUMENT_QUESTIONS,
    DOCUMENT_QUESTIONS_RU,
    DOCUMENT_REPLIES,
    EDGE_ESCALATIONS,
    EDGE_ESCALATIONS_RU,
    EDGE_FRUSTRATIONS,
    EDGE_FRUSTRATIONS_RU,
    EDGE_REPLY,
    EDGE_REPLY_RU,
    EDGE_TEXTS,
    EDGE_TEXTS_RU,
    FAQ_TOPIC_WEIGHTS,
    FAQ_TOPICS,
    GENERATION_JSON_TASKS,
    GENERATION_REPLY,
    GENERATION_REPLY_RU,
    GENERATION_TASKS,
    GENERATION_TASKS_RU,
    GENERIC_FAQ_FOLLOW_UPS,
    GENERIC_FAQ_FOLLOW_UPS_RU,
    INVOICE_FOOT,
    INVOICE_PRODUCTS,
    INVOICE_SUPPLIERS,
    JSON_REPLIES,
    JSON_REVISIONS,
    MENU_FOLLOW_UPS,
    MENU_FOLLOW_UPS_RU,
    MENU_QUESTIONS,
    MENU_QUESTIONS_RU,
    MENU_REPLY_RU,
    OWNER_REPLIES,
    POLICY_HEAD,
    POLICY_PARAGRAPHS,
    REVIEW_SENTENCES,
    REVIEWERS,
    REVISIONS,
    REVISIONS_RU,
    SLOT_GROUPS,
    SLOT_VALUES,
    TEXT_SLOTS,
    THANKS_REPLY,
    THANKS_REPLY_RU,
)
from classifier.tokens import estimate_tokens
from training.tier_mapping import TierMapping

DEFAULT_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"

KINDS = ("faq", "menu", "edge", "rag")
KIND_SHARES: Mapping[str, float] = {"faq": 0.61, "menu": 0.18, "edge": 0.12, "rag": 0.09}

MULTI_TURN_SHARE = 0.40
FOLLOW_UP_TURNS = (1, 2, 3)  # extra turns of a multi-turn conversation
FOLLOW_UP_WEIGHTS = (0.5, 0.3, 0.2)
RUSSIAN_SHARE = 0.05  # of conversations
ALLERGY_SHARE = 0.10  # of menu requests
JSON_SHARE = 0.20  # of rag requests
FOLLOW_UP_ATTEMPTS = 5  # redraws of a follow-up that would repeat an earlier message
MONTH_SECONDS = 30 * 24 * 3600
# Chat traffic by hour of day: people ask before they come and while they are here.
HOURLY_WEIGHTS = (1, 1, 1, 1, 1, 1, 2, 5, 8, 9, 9, 10, 12, 10, 8, 7, 7, 8, 8, 6, 5, 4, 3, 2)
SHORT_MAX_TOKENS = (150, 200, 250, 256, 300)
LONG_MAX_TOKENS = (400, 512, 600, 800, 1000, 1024, 1200, 1500)
DOCUMENT_TOKENS = (300, 1500)
CHARS_PER_TOKEN = 4
# How likely a follow-up of each kind is after a turn of each kind, before
# the remaining quotas steer the draw.
FOLLOW_UP_AFFINITY: Mapping[str, Mapping[str, float]] = {
    "faq": {"faq": 0.75, "menu": 0.12, "edge": 0.10, "rag": 0.03},
    "menu": {"faq": 0.35, "menu": 0.45, "edge": 0.15, "rag": 0.05},
    "edge": {"faq": 0.10, "menu": 0.0, "edge": 0.90, "rag": 0.0},
    "rag": {"faq": 0.10, "menu": 0.0, "edge": 0.0, "rag": 0.90},
}

SYSTEM_PROMPT = """\
You are Kettle, the chat assistant of The Copper Kettle, a café and bakery at 14 Harbour Street, \
Eastbrook, opposite the ferry terminal (buses 12 and 31). Answer in the guest's language (English \
or Russian), friendly and brief. Prices in pounds.

Hours: Mon-Thu 7:30-18:00; Fri 7:30-21:00; Sat 8:30-21:00; Sun and bank holidays 9:00-16:00. \
Kitchen's last orders 45 minutes before closing. Closed 25-26 December and 1 January.

Menu: espresso 2.40; americano 2.90; flat white 3.30; cappuccino or latte 3.40 regular (8 oz), \
3.90 large (12 oz); chai latte 3.70; hot chocolate 3.60; tea 2.80; oat, soy or almond milk \
+0.40. Croissant 2.60; almond croissant 3.20; banana bread 3.00; carrot cake 3.80; gluten-free \
brownie 3.20. Avocado toast 7.50; full breakfast 10.50 (veggie 9.50); shakshuka 8.90; club \
sandwich 8.50; halloumi wrap 7.90; vegetable lasagne 11.50; soup with bread 6.50; Caesar salad \
9.00.

Delivery: within 2 miles, 10:00-17:00, minimum 12.00, fee 2.00, free over 25.00; also Deliveroo.
Wi-Fi: free, "CopperKettle-Guests", password on the receipt.
Bookings: 1-10 guests via this chat (name, date, time, guests); tables held 15 minutes. Larger \
groups and private hire: events@copperkettle.example.
Parking: pay-and-display on Quay Road (2 minutes), free on Sundays; bike racks outside.
Payment: cards, Apple Pay, Google Pay, cash; no cheques. Dogs welcome downstairs; step-free; \
high chairs.

Never promise a dish is safe for an allergy or coeliac disease: point to the allergen sheet and \
staff. Complaints, refunds, legal and data requests: apologise, take details, pass to the \
manager (manager@copperkettle.example). Do not invent facts."""


@dataclass(frozen=True)
class CafeRequest:
    conversation_id: str
    turn: int  # 0 for the first user message of a conversation
    kind: str  # one of KINDS
    truth: str  # "local" or "cloud": the tier this request really needs
    messages: tuple[dict[str, str], ...]  # system prompt, earlier turns, this user turn
    max_tokens: int
    response_format_json: bool  # the request asks for strict JSON output


@dataclass(frozen=True)
class _Turn:
    """One user turn before it becomes a request: what it says and how the bot answers."""

    kind: str
    truth: str
    text: str
    topic: str  # picks a fitting follow-up
    reply: str  # the assistant's answer, sent with the next turn
    context: str = ""  # a document sent as its own system message, as retrieval bots do
    json_output: bool = False


_SLOT_MAKERS: Mapping[str, Callable[[random.Random], str]] = {
    "order": lambda rng: str(rng.randint(10000, 99999)),
    "amount": lambda rng: f"£{rng.randint(3, 64)}.{rng.choice(('00', '40', '50', '80', '90'))}",
    "date": lambda rng: f"{rng.randint(1, 28)} {rng.choice(SLOT_VALUES['month'])}",
}


class _Slots(dict[str, str]):
    """Slot values drawn on first use, so a slot named twice gets one value."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self.rng = rng

    def __missing__(self, key: str) -> str:
        if key == "desc":
            value = DISHES[self.get("dish") or self.get("bake") or self["item"]]
        elif key in _SLOT_MAKERS:
            value = _SLOT_MAKERS[key](self.rng)
        else:
            value = self.rng.choice(SLOT_VALUES.get(key) or TEXT_SLOTS[key])
        self[key] = value
        return value


def _fill(template: str, slots: _Slots) -> str:
    return template.format_map(slots)


# -- public phrasings ------------------------------------------------------------------

# Held-out CLINC150 intents that a café bot gets; the tier mapping must call them clear local.
CLINC_TOPICS: Mapping[str, str] = {
    "cancel_reservation": "booking:name",
    "confirm_reservation": "booking:name",
    "greeting": "smalltalk",
    "are_you_a_bot": "smalltalk",
    "what_is_your_name": "smalltalk",
    "what_can_i_ask_you": "smalltalk",
    "thank_you": "thanks",
    "goodbye": "thanks",
}
CLINC_RESERVATIONS = ("cancel_reservation", "confirm_reservation")
# CLINC booking rows mostly name a chain ("... at red robin"); a café bot never sees those.
OTHER_VENUE = re.compile(
    r"\b(at|for) (?!\d|dinner|tonight|lunch|breakfast|march|february|[a-z]+day\b)[a-z]+"
)
MULTIDOGO_ORDERS = (
    "orderdrinkintent",
    "orderdessertintent",
    "ordersaladintent",
    "orderbreakfastintent",
)
MULTIDOGO_CLOSINGS = ("thankyou", "closinggreeting", "confirmation")
# Fast-food items a café does not sell.
NOT_CAFE_FOOD = re.compile(
    r"mc|big mac|nugget|pizza|burger|fries|taco|kiddie|hot ?cake|happy meal|whopper|wings|combo",
    re.IGNORECASE,
)
MIN_OPENING_WORDS = 4  # a bare "2 soda" opens no conversation


@dataclass(frozen=True)
class _Phrasings:
    """Real user turns from the permissive held-out splits, grouped by use."""

    booking: tuple[str, ...]  # Restaurant-8k first turns that carry a booking slot
    slot_answers: Mapping[str, tuple[str, ...]]  # Restaurant-8k answers to one asked slot
    clinc: Mapping[str, tuple[str, ...]]  # CLINC150 test rows per café intent
    orders: tuple[str, ...]  # MultiDoGO order turns that fit a café
    closings: tuple[str, ...]  # MultiDoGO thanks, confirmations, goodbyes

    @classmethod
    def load(cls, datasets_dir: Path) -> "_Phrasings":
        mapping = TierMapping.load(datasets_dir)
        booking, slot_answers = _restaurant8k(datasets_dir / "restaurant8k" / "test.json")
        orders, closings = _multidogo(datasets_dir / "multidogo_fastfood", mapping)
        clinc = _clinc(datasets_dir / "clinc150" / "data_full.json", mapping)
        return cls(booking, slot_answers, clinc, orders, closings)


def _clear_local(mapping: TierMapping, dataset: str, intents: Sequence[str]) -> set[str]:
    labels = {intent: mapping.intent(dataset, intent) for intent in intents}
    return {
        name for name, label in labels.items() if label.tier == "local" and not label.borderline
    }


def _restaurant8k(path: Path) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    rows = json.loads(path.read_text(encoding="utf-8"))
    booking: list[str] = []
    answers: dict[str, list[str]] = {slot: [] for slot in BOOKING_QUESTIONS}
    for row in rows:
        text = row["userInput"]["text"].strip()
        asked = {SLOT_GROUPS[slot] for slot in row.get("context", {}).get("requestedSlots", [])}
        if len(asked) == 1:
            answers[asked.pop()].append(text)
        elif not asked and row.get("labels") and len(text.split()) >= MIN_OPENING_WORDS:
            booking.append(text)
    return tuple(booking), {slot: tuple(texts) for slot, texts in answers.items()}


def _multidogo(folder: Path, mapping: TierMapping) -> tuple[tuple[str, ...], tuple[str, ...]]:
    orders_ok = _clear_local(mapping, "multidogo_fastfood", MULTIDOGO_ORDERS)
    closings_ok = _clear_local(mapping, "multidogo_fastfood", MULTIDOGO_CLOSINGS)
    orders: list[str] = []
    closings: list[str] = []
    for split in ("test", "dev"):
        # A real CSV reader: some utterances are quoted with embedded newlines.
        with (folder / f"{split}.tsv").open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                text = " ".join(row["utterance"].split())
                intents = set(row["intent"].split("<div>"))
                if not text or NOT_CAFE_FOOD.search(text):
                    continue
                if intents <= orders_ok and len(text.split()) >= MIN_OPENING_WORDS:
                    orders.append(text)
                elif len(intents) == 1 and intents <= closings_ok:
                    closings.append(text)
    return tuple(orders), tuple(closings)


def _clinc(path: Path, mapping: TierMapping) -> dict[str, tuple[str, ...]]:
    rows = json.loads(path.read_text(encoding="utf-8"))["test"]
    wanted = _clear_local(mapping, "clinc150", list(CLINC_TOPICS))
    by_intent: dict[str, list[str]] = {intent: [] for intent in CLINC_TOPICS if intent in wanted}
    for text, intent in rows:
        if intent in by_intent and not (intent in CLINC_RESERVATIONS and OTHER_VENUE.search(text)):
            by_intent[intent].append(text)
    return {intent: tuple(texts) for intent, texts in by_intent.items() if texts}


# -- writing turns ---------------------------------------------------------------------

GREETINGS = ("hi, ", "hello! ", "hey ", "Hi there, ", "good morning, ", "quick question - ")


def _casual(text: str, rng: random.Random, greet: bool = False) -> str:
    """The way people type into a chat box: lowercase, no question mark, a typo, a hello."""
    if rng.random() < 0.3:
        text = text.lower()
    if rng.random() < 0.2:
        text = text.rstrip("?.!")
    if rng.random() < 0.08:
        text = _typo(text, rng)
    if greet and rng.random() < 0.1:
        text = rng.choice(GREETINGS) + text[:1].lower() + text[1:]
    return text


def _typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if len(word) >= 4 and word.isalpha()]
    if not candidates:
        return text
    index = rng.choice(candidates)
    word = words[index]
    at = rng.randrange(1, len(word) - 2)
    words[index] = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return " ".join(words)


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    names = list(weights)
    return rng.choices(names, [weights[name] for name in names])[0]


class _Writer:
    """Writes one user turn of a given kind, as an opening or as a follow-up."""

    def __init__(self, rng: random.Random, phrasings: _Phrasings) -> None:
        self.rng = rng
        self.phrasings = phrasings

    def opening(self, kind: str, russian: bool) -> _Turn:
        openers = {"faq": self._faq, "menu": self._menu, "edge": self._edge, "rag": self._rag}
        return openers[kind](russian)

    def follow_up(self, kind: str, previous: _Turn, russian: bool) -> _Turn:
        writers = {
            "faq": self._faq_follow_up,
            "menu": self._menu_follow_up,
            "edge": self._edge_follow_up,
            "rag": self._rag_follow_up,
        }
        return writers[kind](previous, russian)

    def _fill(self, template: str) -> str:
        return _fill(template, _Slots(self.rng))

    # faq

    def _faq(self, russian: bool, greet: bool = True) -> _Turn:
        roll = self.rng.random()
        if russian:
            topic = _weighted(
                self.rng, {t: w for t, w in FAQ_TOPIC_WEIGHTS.items() if FAQ_TOPICS[t].questions_ru}
            )
            text = self._fill(self.rng.choice(FAQ_TOPICS[topic].questions_ru))
            return _Turn("faq", "local", text, topic, FAQ_TOPICS[topic].reply_ru)
        if roll < 0.16:
            return self._booking_turn(self.rng.choice(self.phrasings.booking))
        if roll < 0.22:
            intent = self.rng.choice(list(self.phrasings.clinc))
            text = self.rng.choice(self.phrasings.clinc[intent])
            return self._faq_turn(text, CLINC_TOPICS[intent])
        if roll < 0.28:
            return self._faq_turn(self.rng.choice(self.phrasings.orders), "order")
        topic = _weighted(self.rng, FAQ_TOPIC_WEIGHTS)
        text = self._fill(self.rng.choice(FAQ_TOPICS[topic].questions))
        return self._faq_turn(_casual(text, self.rng, greet), topic)

    def _faq_turn(self, text: str, topic: str) -> _Turn:
        if topic == "booking":
            return self._booking_turn(text)
        if topic.startswith("booking:"):
            return _Turn("faq", "local", text, topic, BOOKING_QUESTIONS[topic.split(":")[1]])
        reply = FAQ_TOPICS[topic].reply if topic in FAQ_TOPICS else THANKS_REPLY
        return _Turn("faq", "local", text, topic, reply)

    def _booking_turn(self, text: str, asked: str = "") -> _Turn:
        """A booking turn; the bot asks for a detail it has not asked for yet."""
        remaining = [slot for slot in BOOKING_QUESTIONS if slot != asked]
        if asked and self.rng.random() < 0.3:
            return _Turn("faq", "local", text, "booked", BOOKED_REPLY)
        slot = self.rng.choice(remaining)
        return _Turn("faq", "local", text, f"booking:{slot}", BOOKING_QUESTIONS[slot])

    def _faq_follow_up(self, previous: _Turn, russian: bool) -> _Turn:
        rng, topic = self.rng, previous.topic
        if russian:
            if rng.random() < 0.5:
                return self._faq(russian, greet=False)
            text, topic = rng.choice(GENERIC_FAQ_FOLLOW_UPS_RU)
            reply = FAQ_TOPICS[topic].reply_ru if topic in FAQ_TOPICS else THANKS_REPLY_RU
            return _Turn("faq", "local", self._fill(text), topic, reply)
        if topic.startswith("booking:") and rng.random() < 0.8:
            slot = topic.split(":", 1)[1]
            return self._booking_turn(rng.choice(self.phrasings.slot_answers[slot]), slot)
        if topic == "order" and rng.random() < 0.7:
            return self._faq_turn(rng.choice(self.phrasings.closings), "thanks")
        base = "booking" if topic.startswith("booking") else topic
        if base in FAQ_TOPICS and FAQ_TOPICS[base].follow_ups and rng.random() < 0.55:
            text = _casual(self._fill(rng.choice(FAQ_TOPICS[base].follow_ups)), rng)
            return self._faq_turn(text, base)
        if rng.random() < 0.5:
            other = [(text, t) for text, t in GENERIC_FAQ_FOLLOW_UPS if t != base]
            text, topic = rng.choice(other)
            return self._faq_turn(_casual(self._fill(text), rng), topic)
        if rng.random() < 0.3:
            intent = rng.choice(["thank_you", "goodbye"])
            return self._faq_turn(rng.choice(self.phrasings.clinc[intent]), "thanks")
        return self._faq(russian, greet=False)

    # menu

    def _menu(self, russian: bool) -> _Turn:
        if self.rng.random() < ALLERGY_SHARE:
            return self._allergy(russian)
        return self._plain_menu(russian)

    def _plain_menu(self, russian: bool, greet: bool = True) -> _Turn:
        rng = self.rng
        if russian:
            text = self._fill(rng.choice(MENU_QUESTIONS_RU))
            return _Turn("menu", "local", text, "menu", MENU_REPLY_RU)
        question, answer = rng.choice(MENU_QUESTIONS)
        return self._menu_turn(question, answer, greet)

    def _menu_turn(self, question: str, answer: str, greet: bool = False) -> _Turn:
        slots = _Slots(self.rng)
        text = _casual(_fill(question, slots), self.rng, greet)
        return _Turn("menu", "local", text, "menu", _fill(answer, slots))

    def _allergy(self, russian: bool) -> _Turn:
        if russian:
            text = self._fill(self.rng.choice(ALLERGY_QUESTIONS_RU))
            return _Turn("menu", "cloud", text, "allergy", ALLERGY_REPLY_RU)
        text = self._fill(self.rng.choice(ALLERGY_QUESTIONS))
        return _Turn("menu", "cloud", text, "allergy", ALLERGY_REPLY)

    def _menu_follow_up(self, previous: _Turn, russian: bool) -> _Turn:
        rng = self.rng
        if rng.random() < ALLERGY_SHARE:
            return self._allergy(russian)
        if previous.kind == "menu" and rng.random() < 0.6:
            if russian:
                return _Turn("menu", "local", rng.choice(MENU_FOLLOW_UPS_RU), "menu", MENU_REPLY_RU)
            return self._menu_turn(*rng.choice(MENU_FOLLOW_UPS))
        return self._plain_menu(russian, greet=False)

    # edge

    def _edge(self, russian: bool) -> _Turn:
        if russian:
            text = self._fill(self.rng.choice(EDGE_TEXTS_RU))
            return _Turn("edge", "cloud", text, "complaint", EDGE_REPLY_RU)
        text = self._fill(self.rng.choice(EDGE_TEXTS))
        if self.rng.random() < 0.15:
            text = text.lower()
        return _Turn("edge", "cloud", text, "complaint", EDGE_REPLY)

    def _edge_follow_up(self, previous: _Turn, russian: bool) -> _Turn:
        rng = self.rng
        if previous.kind == "edge":
            pool = EDGE_ESCALATIONS_RU if russian else EDGE_ESCALATIONS
        elif rng.random() < 0.6:
            pool = EDGE_FRUSTRATIONS_RU if russian else EDGE_FRUSTRATIONS
        else:
            return self._edge(russian)
        reply = EDGE_REPLY_RU if russian else EDGE_REPLY
        return _Turn("edge", "cloud", self._fill(rng.choice(pool)), "complaint", reply)

    # rag

    def _rag(self, russian: bool) -> _Turn:
        rng = self.rng
        if rng.random() < (0.4 if russian else 0.55):
            return self._document_turn(russian)
        if russian:
            text = self._fill(rng.choice(GENERATION_TASKS_RU))
            return _Turn("rag", "cloud", text, "generation", GENERATION_REPLY_RU)
        wants_json = rng.random() < JSON_SHARE
        text = self._fill(rng.choice(GENERATION_JSON_TASKS if wants_json else GENERATION_TASKS))
        reply = _json_reply("generation") if wants_json else GENERATION_REPLY
        return _Turn("rag", "cloud", text, "generation", reply, json_output=wants_json)

    def _document_turn(self, russian: bool) -> _Turn:
        rng = self.rng
        kind = rng.choice(list(DOCUMENT_QUESTIONS))
        document = _document(kind, rng)
        wants_json = not russian and rng.random() < JSON_SHARE
        if russian:
            question = rng.choice(DOCUMENT_QUESTIONS_RU)
        else:
            pool = DOCUMENT_JSON_QUESTIONS if wants_json else DOCUMENT_QUESTIONS
            question = self._fill(rng.choice(pool[kind]))
        reply = _json_reply(kind) if wants_json else DOCUMENT_REPLIES[kind]
        topic = f"document:{kind}"
        placement = rng.random()
        if placement < 0.35:
            return _Turn("rag", "cloud", question, topic, reply, document, wants_json)
        text = f"{question}\n\n{document}" if placement < 0.8 else f"{document}\n\n{question}"
        return _Turn("rag", "cloud", text, topic, reply, json_output=wants_json)

    def _rag_follow_up(self, previous: _Turn, russian: bool) -> _Turn:
        rng = self.rng
        if previous.kind != "rag":
            return self._rag(russian)
        if russian:
            text = rng.choice(REVISIONS_RU)
            return _Turn("rag", "cloud", text, previous.topic, GENERATION_REPLY_RU)
        if previous.topic.startswith("document:") and rng.random() < 0.5:
            kind = previous.topic.split(":", 1)[1]
            text = rng.choice(DOCUMENT_FOLLOW_UPS[kind])
            return _Turn("rag", "cloud", text, previous.topic, DOCUMENT_REPLIES[kind])
        if rng.random() < JSON_SHARE:
            text = rng.choice(JSON_REVISIONS)
            reply = _json_reply(previous.topic.split(":")[-1])
            return _Turn("rag", "cloud", text, previous.topic, reply, json_output=True)
        return _Turn("rag", "cloud", rng.choice(REVISIONS), previous.topic, GENERATION_REPLY)


def _json_reply(topic: str) -> str:
    return f"```json\n{JSON_REPLIES.get(topic, JSON_REPLIES['generation'])}\n```"


# -- documents -------------------------------------------------------------------------


def _document(kind: str, rng: random.Random) -> str:
    """A pasted document of 300-1500 tokens (at four characters a token)."""
    low, high = DOCUMENT_TOKENS
    target = rng.randint(low, high) * CHARS_PER_TOKEN
    slots = _Slots(rng)
    if kind == "contract":
        return _compose(_fill(CONTRACT_HEAD, slots), _excerpt(CONTRACT_CLAUSES, rng), "", target)
    if kind == "policy":
        return _compose(_fill(POLICY_HEAD, slots), _excerpt(POLICY_PARAGRAPHS, rng), "", target)
    if kind == "allergens":
        rows = [
            f"{name}: contains {contains}; may contain {may}; {diet}."
            for name, contains, may, diet in ALLERGEN_ROWS
        ]
        picked = sorted(rng.sample(range(len(rows)), rng.randint(12, len(rows))))
        body = [rows[index] for index in picked]
        return _compose(_fill(ALLERGEN_HEAD, slots), body, ALLERGEN_FOOT, target)
    if kind == "invoice":
        return _invoice(rng, slots, target)
    return _review_thread(rng, target)


def _excerpt(paragraphs: Sequence[str], rng: random.Random) -> Sequence[str]:
    """The paragraphs from a random start that still leaves a 300-token excerpt."""
    low = DOCUMENT_TOKENS[0] * CHARS_PER_TOKEN
    starts = [i for i in range(len(paragraphs)) if sum(map(len, paragraphs[i:])) >= low]
    return paragraphs[rng.choice(starts) :]


def _compose(head: str, body: Sequence[str], tail: str, target: int) -> str:
    """Head, then body paragraphs in order until the target length, then the tail."""
    low, high = (tokens * CHARS_PER_TOKEN for tokens in DOCUMENT_TOKENS)
    parts, size = [head], len(head) + len(tail)
    for paragraph in body:
        if size >= max(target, low) or size + len(paragraph) + 2 > high:
            break
        parts.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join([*parts, tail] if tail else parts)


def _invoice(rng: random.Random, slots: _Slots, target: int) -> str:
    head = (
        f"INVOICE {_fill('{order}', slots)} - {rng.choice(INVOICE_SUPPLIERS)}\n"
        f"Date: {_fill('{date}', slots)}. Customer: The Copper Kettle Ltd, 14 Harbour "
        f"Street, Eastbrook. Account CK-{rng.randint(100, 999)}.\n"
        "Qty  Product                            Unit £   Total £"
    )
    lines, net, size = [], 0.0, len(head) + len(INVOICE_FOOT)
    for name, price in rng.sample(INVOICE_PRODUCTS, len(INVOICE_PRODUCTS)):
        if size >= target:
            break
        quantity = rng.randint(1, 24)
        net += quantity * price
        lines.append(f"{quantity:>3}  {name:<34} {price:>7.2f} {quantity * price:>8.2f}")
        size += len(lines[-1]) + 1
    totals = f"Net £{net:.2f}   VAT (zero-rated food, 20% on packaging) included   Due in 30 days"
    return "\n".join([head, *lines, totals]) + "\n\n" + INVOICE_FOOT


def _days_ago(number: int) -> str:
    return "yesterday" if number == 0 else f"{number + 1} days ago"


def _review_thread(rng: random.Random, target: int) -> str:
    head = "Recent reviews of The Copper Kettle (Google, newest first)"
    reviews = []
    for number in range(40):
        mood = rng.choice(("good", "good", "bad", "mixed"))
        stars = {"good": rng.choice((4, 5)), "bad": rng.choice((1, 2)), "mixed": 3}[mood]
        sentences = rng.sample(REVIEW_SENTENCES[mood], rng.randint(1, 2))
        review = f"{rng.choice(REVIEWERS)} - {stars}/5 - {_days_ago(number)}\n{' '.join(sentences)}"
        if rng.random() < 0.3:
            review += "\n" + rng.choice(OWNER_REPLIES)
        reviews.append(review)
    return _compose(head, reviews, "", target)


# -- the month -------------------------------------------------------------------------


def cafe_month(
    requests: int, seed: int = 0, datasets_dir: Path = DEFAULT_DATASETS
) -> list[CafeRequest]:
    """`requests` café-bot requests over a month, in arrival order, each with its true tier."""
    if requests < 0:
        raise ValueError(f"requests must be >= 0, got {requests}")
    rng = random.Random(seed)
    writer = _Writer(rng, _Phrasings.load(datasets_dir))
    initial = _quotas(requests)
    remaining = dict(initial)
    arrivals: list[tuple[float, int, int, CafeRequest]] = []
    number = 0
    while any(remaining.values()):
        turns = _conversation(writer, rng, remaining, initial)
        requests_of = _requests(f"cafe-{number:06d}", turns, rng)
        times = _arrival_times(rng, len(turns))
        arrivals += [
            (at, number, req.turn, req) for at, req in zip(times, requests_of, strict=True)
        ]
        number += 1
    arrivals.sort(key=lambda arrival: arrival[:3])
    return [arrival[3] for arrival in arrivals]


def _quotas(requests: int) -> dict[str, int]:
    """Requests per kind, exact to the share (largest remainder)."""
    exact = {kind: KIND_SHARES[kind] * requests for kind in KINDS}
    quotas = {kind: int(value) for kind, value in exact.items()}
    by_remainder = sorted(KINDS, key=lambda kind: exact[kind] - quotas[kind], reverse=True)
    for kind in by_remainder[: requests - sum(quotas.values())]:
        quotas[kind] += 1
    return quotas


def _conversation(
    writer: _Writer, rng: random.Random, remaining: dict[str, int], initial: Mapping[str, int]
) -> list[_Turn]:
    """One conversation's turns; every turn uses up one request of its kind."""
    russian = rng.random() < RUSSIAN_SHARE
    length = 1
    if rng.random() < MULTI_TURN_SHARE:
        length += rng.choices(FOLLOW_UP_TURNS, FOLLOW_UP_WEIGHTS)[0]
    kind = _weighted(rng, remaining)
    turns = [writer.opening(kind, russian)]
    remaining[kind] -= 1
    while len(turns) < length:
        # Affinity says what usually comes next; the share still left keeps the mix exact.
        affinity = FOLLOW_UP_AFFINITY[turns[-1].kind]
        weights = {k: affinity[k] * remaining[k] / max(initial[k], 1) for k in KINDS}
        if not any(weights.values()):
            break
        kind = _weighted(rng, weights)
        turns.append(_fresh_follow_up(writer, kind, turns, russian))
        remaining[kind] -= 1
    return turns


def _fresh_follow_up(writer: _Writer, kind: str, turns: Sequence[_Turn], russian: bool) -> _Turn:
    """A follow-up that does not repeat an earlier message word for word, when one can be found."""
    said = {turn.text.lower() for turn in turns}
    for _ in range(FOLLOW_UP_ATTEMPTS):
        turn = writer.follow_up(kind, turns[-1], russian)
        if turn.text.lower() not in said:
            break
    return turn


def _requests(
    conversation_id: str, turns: Sequence[_Turn], rng: random.Random
) -> list[CafeRequest]:
    history = [{"role": "system", "content": SYSTEM_PROMPT}]
    requests = []
    for number, turn in enumerate(turns):
        if number:
            history.append({"role": "assistant", "content": turns[number - 1].reply})
        if turn.context:
            history.append({"role": "system", "content": f"Context documents:\n\n{turn.context}"})
        history.append({"role": "user", "content": turn.text})
        short = turn.kind in ("faq", "menu")
        requests.append(
            CafeRequest(
                conversation_id=conversation_id,
                turn=number,
                kind=turn.kind,
                truth=turn.truth,
                messages=tuple(dict(message) for message in history),
                max_tokens=rng.choice(SHORT_MAX_TOKENS if short else LONG_MAX_TOKENS),
                response_format_json=turn.json_output,
            )
        )
    return requests


def _arrival_times(rng: random.Random, turns: int) -> list[float]:
    """Seconds into the month: a start weighted by hour of day, then a reply every few minutes."""
    day = rng.randrange(MONTH_SECONDS // 86400)
    hour = rng.choices(range(24), HOURLY_WEIGHTS)[0]
    at = day * 86400 + hour * 3600 + rng.random() * 3600
    times = [at]
    for _ in range(turns - 1):
        at += rng.uniform(15, 240)
        times.append(at)
    return times


# -- command line ----------------------------------------------------------------------

TRUTHS = ("local", "cloud")
EXAMPLE_CHARS = 220


@dataclass(frozen=True)
class _Routed:
    request: CafeRequest
    tier: str
    reason: str


def prompt_tokens(request: CafeRequest) -> int:
    return sum(estimate_tokens(message["content"]) for message in request.messages)


def router_request(request: CafeRequest) -> dict[str, object]:
    """The chat-completions body a café bot would send for `request`."""
    body: dict[str, object] = {
        "model": "auto",
        "messages": list(request.messages),
        "max_tokens": request.max_tokens,
    }
    if request.response_format_json:
        body["response_format"] = {"type": "json_object"}
    return body


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def mix_report(requests: Sequence[CafeRequest]) -> str:
    rows = []
    for kind in KINDS:
        for truth in TRUTHS:
            group = [r for r in requests if r.kind == kind and r.truth == truth]
            if group:
                mean = sum(map(prompt_tokens, group)) / len(group)
                rows.append(
                    [kind, truth, len(group), _percent(len(group), len(requests)), f"{mean:.0f}"]
                )
    mean = sum(map(prompt_tokens, requests)) / max(len(requests), 1)
    rows.append(["all", "", len(requests), "100%", f"{mean:.0f}"])
    turns = Counter(r.conversation_id for r in requests)
    russian = sum(bool(re.search("[а-яё]", r.messages[-1]["content"], re.I)) for r in requests)
    json_count = sum(r.response_format_json for r in requests)
    summary = (
        f"Conversations: {len(turns)}, multi-turn: "
        f"{_percent(sum(n > 1 for n in turns.values()), len(turns))}; Russian requests: "
        f"{_percent(russian, len(requests))}; JSON-output requests: {json_count}."
    )
    header = ["kind", "truth", "requests", "share", "mean prompt tokens"]
    return "\n\n".join(["## Café month mix", _table(header, rows), summary])


def route_all(requests: Sequence[CafeRequest]) -> list[_Routed]:
    # Imported here: generating traffic needs neither the router nor its settings.
    from router_service.core.config import Settings
    from router_service.request_router import RequestRouter

    router = RequestRouter.from_settings(Settings())
    routed = []
    for request in requests:
        decision = router.decide(router_request(request))
        routed.append(_Routed(request, decision.tier, decision.reason))
    return routed


def router_report(routed: Sequence[_Routed], examples: int) -> str:
    cloud_truth = [r for r in routed if r.request.truth == "cloud"]
    local_truth = [r for r in routed if r.request.truth == "local"]
    cloud_ok = sum(r.tier == "cloud" for r in cloud_truth)
    local_ok = sum(r.tier == "local" for r in local_truth)
    overall = (
        f"Truth-cloud routed cloud: {_percent(cloud_ok, len(cloud_truth))} "
        f"({cloud_ok} of {len(cloud_truth)}). Truth-local routed local: "
        f"{_percent(local_ok, len(local_truth))} ({local_ok} of {len(local_truth)})."
    )
    to_cloud = [r for r in local_truth if r.tier == "cloud"]
    to_local = [r for r in cloud_truth if r.tier == "local"]
    return "\n\n".join(
        [
            "## Router check (offline, RequestRouter.from_settings(Settings()))",
            _tier_table(routed, "kind", lambda r: r.request.kind),
            _tier_table(routed, "turn", lambda r: "first" if r.request.turn == 0 else "follow-up"),
            overall,
            "### Reasons: truth local, routed cloud",
            _reasons(to_cloud),
            "### Reasons: truth cloud, routed local",
            _reasons(to_local),
            f"### Examples: truth local, routed cloud ({examples})",
            _examples(to_cloud, examples),
            f"### Examples: truth cloud, routed local ({examples})",
            _examples(to_local, examples),
        ]
    )


def _tier_table(routed: Sequence[_Routed], name: str, group_of: Callable[[_Routed], str]) -> str:
    """Where each (group, truth) went."""
    groups: dict[tuple[str, str], list[_Routed]] = {}
    for r in routed:
        groups.setdefault((group_of(r), r.request.truth), []).append(r)
    rows = []
    for (group, truth), members in sorted(groups.items(), key=lambda item: _group_order(item[0])):
        local = sum(r.tier == "local" for r in members)
        n = len(members)
        rows.append([group, truth, n, _percent(local, n), _percent(n - local, n)])
    return _table([name, "truth", "requests", "routed local", "routed cloud"], rows)


def _group_order(key: tuple[str, str]) -> tuple[int, str, int]:
    group, truth = key
    return (KINDS.index(group) if group in KINDS else 0, group, TRUTHS.index(truth))


def _reasons(routed: Sequence[_Routed]) -> str:
    counts = Counter(r.reason for r in routed)
    by_kind = Counter((r.reason, r.request.kind) for r in routed)
    rows = []
    for reason, n in counts.most_common(12):
        kinds = ", ".join(
            f"{kind} {by_kind[reason, kind]}" for kind in KINDS if by_kind[reason, kind]
        )
        rows.append([reason, n, _percent(n, len(routed)), kinds])
    return _table(["reason", "requests", "share", "by kind"], rows) if rows else "(none)"


def _examples(routed: Sequence[_Routed], count: int) -> str:
    """Distinct last user messages, drawn with a fixed seed so runs compare."""
    distinct = {r.request.messages[-1]["content"].lower(): r for r in routed}
    picked = random.Random(0).sample(list(distinct.values()), min(count, len(distinct)))
    lines = []
    for r in picked:
        text = " / ".join(r.request.messages[-1]["content"].split("\n"))
        if len(text) > EXAMPLE_CHARS:
            text = text[: EXAMPLE_CHARS - 3] + "..."
        lines.append(f"- [{r.request.kind}, turn {r.request.turn}, {r.reason}] {text}")
    return "\n".join(lines) if lines else "(none)"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.cafe_traffic", description=__doc__)
    parser.add_argument("--requests", type=int, default=60000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--check-router", action="store_true")
    parser.add_argument("--examples", type=int, default=10)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    requests = cafe_month(args.requests, args.seed, args.datasets)
    sys.stderr.write(
        f"generated {len(requests)} requests in {time.perf_counter() - started:.1f} s\n"
    )
    sys.stdout.write(mix_report(requests) + "\n")
    if args.check_router:
        started = time.perf_counter()
        routed = route_all(requests)
        sys.stderr.write(f"routed in {time.perf_counter() - started:.1f} s\n")
        sys.stdout.write("\n" + router_report(routed, args.examples) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
