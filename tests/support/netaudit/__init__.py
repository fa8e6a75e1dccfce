"""The network audit hook: this directory goes on a child process's PYTHONPATH."""

from pathlib import Path

NETAUDIT_DIR = Path(__file__).parent
