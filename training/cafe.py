"""Hand-written café-domain examples: the product's own labelled requests.

`data/cafe_examples.jsonl` holds one example per line:

    {"tier": "local" | "cloud", "topic": "hours", "note": "why this tier",
     "system_prompt": "bean_and_leaf",      (optional)
     "document": "loyalty_terms",           (optional)
     "request": {"messages": [...], ...}}   (an OpenAI chat body)

Long texts are written once and spliced in, so the JSONL stays readable:
`system_prompt` names `data/cafe_system_prompts/<name>.md`, inserted as the
first (system) message; `document` names `data/cafe_documents/<name>.md`,
which replaces the single `<<document>>` marker in the request's messages.

Split: every 5th line (lines 5, 10, 15, ...; blank lines not counted) is the
held-out test split, the rest is training. Lines are grouped by topic in the
file, so each topic keeps about a fifth of its lines for evaluation.
"""

import copy
import json
from pathlib import Path
from typing import Any, Literal

from training.examples import Example
from training.tier_mapping import as_tier

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_CAFE_PATH = DATA_DIR / "cafe_examples.jsonl"
DOCUMENT_MARKER = "<<document>>"
TEST_EVERY = 5

Split = Literal["train", "test"]


def load_cafe_examples(path: Path | None = None, split: Split = "train") -> list[Example]:
    """The café examples of one split, in file order."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    path = path or DEFAULT_CAFE_PATH
    texts = _TextFiles(path.parent)
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    examples = []
    for number, line in enumerate(lines, start=1):
        if (number % TEST_EVERY == 0) != (split == "test"):
            continue
        try:
            examples.append(_example(json.loads(line), texts, split))
        except (ValueError, KeyError) as error:
            raise ValueError(f"{path.name}, example {number}: {error}") from error
    return examples


class _TextFiles:
    """System prompts and documents, each read once per load."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.cache: dict[Path, str] = {}

    def read(self, folder: str, name: str) -> str:
        path = self.data_dir / folder / f"{name}.md"
        if path not in self.cache:
            self.cache[path] = path.read_text(encoding="utf-8").strip()
        return self.cache[path]


def _example(line: dict[str, Any], texts: _TextFiles, split: Split) -> Example:
    tier = as_tier(line["tier"])
    if tier == "unknown":
        raise ValueError("café examples have a definite tier")
    request = copy.deepcopy(line["request"])
    messages: list[dict[str, Any]] = request["messages"]
    if not messages or messages[-1]["role"] != "user":
        raise ValueError("a request ends with a user message")
    if name := line.get("system_prompt"):
        # Inserted first; a request may add its own system message after it
        # (retrieved context, output instructions), as RAG bots do.
        messages.insert(0, {"role": "system", "content": texts.read("cafe_system_prompts", name)})
    if name := line.get("document"):
        _splice(messages, texts.read("cafe_documents", name))
    if any(DOCUMENT_MARKER in str(message.get("content", "")) for message in messages):
        raise ValueError(f"{DOCUMENT_MARKER} without a document")
    return Example(request, tier, False, "cafe", split, line["topic"])


def _splice(messages: list[dict[str, Any]], document: str) -> None:
    holders = [m for m in messages if DOCUMENT_MARKER in str(m.get("content", ""))]
    if len(holders) != 1 or holders[0]["content"].count(DOCUMENT_MARKER) != 1:
        raise ValueError(f"a document needs exactly one {DOCUMENT_MARKER} marker")
    holders[0]["content"] = holders[0]["content"].replace(DOCUMENT_MARKER, document)
