"""Test processes are offline like the proxy: LiteLLM's switches are set before any
test module imports it (it would otherwise fetch its cost map at import)."""

import os

from router_service.environment import OFFLINE

os.environ.update(OFFLINE)
