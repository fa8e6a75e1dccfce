"""``python -m emulators``: run the Ollama and Anthropic emulators."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from emulators.server import serve_emulators


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m emulators", description=__doc__)
    parser.add_argument("--ollama-port", type=int, default=11435)
    parser.add_argument("--anthropic-port", type=int, default=18080)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--speed", choices=("fast", "realistic"), default="fast")
    parser.add_argument(
        "--cold-load-ms",
        type=float,
        default=None,
        help="Ollama's model load time after idle or a num_ctx change (default: the speed's)",
    )
    parser.add_argument(
        "--anthropic-api-key",
        default=None,
        help="key expected in x-api-key (default: $ANTHROPIC_API_KEY, else sk-ant-emulator)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    serve_emulators(
        ollama_port=args.ollama_port,
        anthropic_port=args.anthropic_port,
        host=args.host,
        speed=args.speed,
        anthropic_api_key=args.anthropic_api_key,
        cold_load_s=None if args.cold_load_ms is None else args.cold_load_ms / 1000.0,
    )


if __name__ == "__main__":
    main()
