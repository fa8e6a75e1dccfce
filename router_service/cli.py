"""The `hybrid-router` command: serve, emulators, up, and the admin commands."""

import argparse
import sys
from collections.abc import Sequence

from router_service.admin import cli as admin_cli
from router_service.core.config import Settings

DEFAULT_PORT = 4000
DEFAULT_OLLAMA_PORT = 11435
DEFAULT_ANTHROPIC_PORT = 18080


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hybrid-router", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the LiteLLM proxy with the routing hook")
    serve.add_argument("--port", type=int, default=None, help=f"default {DEFAULT_PORT}")
    serve.add_argument("--host", default=None, help="default 127.0.0.1 (HR_HOST)")

    for name, help_text in (
        ("emulators", "run the Ollama and Anthropic emulators"),
        ("up", "run the emulators and the proxy together, for local use"),
    ):
        command = commands.add_parser(name, help=help_text)
        if name == "up":
            command.add_argument("--port", type=int, default=DEFAULT_PORT)
        command.add_argument("--ollama-port", type=int, default=DEFAULT_OLLAMA_PORT)
        command.add_argument("--anthropic-port", type=int, default=DEFAULT_ANTHROPIC_PORT)
        command.add_argument(
            "--speed",
            choices=("fast", "realistic"),
            default="realistic" if name == "up" else "fast",
            help="emulated model speed: realistic single GPU, or fast for tests",
        )
    admin_cli.add_commands(commands)
    # The one command of the product: it also fronts training (its own package).
    from training import cli as training_cli

    training_cli.add_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "emulators":
        from emulators import serve_emulators

        serve_emulators(
            ollama_port=args.ollama_port, anthropic_port=args.anthropic_port, speed=args.speed
        )
        return 0
    settings = Settings()
    if args.command in admin_cli.ADMIN_COMMANDS:
        return admin_cli.run(args, settings)
    if args.command == "train":
        from training import cli as training_cli

        return training_cli.run(args, settings)
    if args.command == "serve":
        from router_service.server import ConfigurationError, serve

        overrides = {key: value for key in ("host", "port") if (value := getattr(args, key))}
        try:
            serve(settings.model_copy(update=overrides))
        except ConfigurationError as error:
            print(f"hybrid-router: {error}", file=sys.stderr)
            return 2
        return 0
    from router_service.launcher import Ports, up

    ports = Ports(proxy=args.port, ollama=args.ollama_port, anthropic=args.anthropic_port)
    return up(settings, ports, args.speed)
