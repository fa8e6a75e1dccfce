"""The bare LiteLLM proxy: LiteLLM's own app under uvicorn, none of hybrid-router's layers.

The comparison point of `bench.overhead`: the same `litellm_config.yaml` minus
our callbacks and custom auth (LiteLLM checks the master key itself), `auto`
aliased to the local group, the same offline and retry environment, the same
uvicorn settings as `hybrid-router serve`.

    python -m bench.bare_litellm CONFIG PORT      (HR_MASTER_KEY, OLLAMA_API_BASE, ... set)
"""

import os
import sys
from pathlib import Path

import uvicorn
import yaml

from router_service.core.config import Settings
from router_service.environment import prepare_environment


def config_without_callbacks(directory: Path, keep_auth: bool = False) -> Path:
    """litellm_config.yaml without our callbacks (and our auth unless `keep_auth`);
    `auto` is the local group, since no routing hook rewrites it."""
    config = yaml.safe_load(Settings().litellm_config.read_text())
    config["litellm_settings"].pop("callbacks", None)
    if not keep_auth:
        config["general_settings"].pop("custom_auth", None)
    config["router_settings"]["model_group_alias"] = {"auto": "local"}
    path = directory / f"litellm_config_{'no_hook' if keep_auth else 'bare'}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def main() -> None:
    config, port = sys.argv[1], int(sys.argv[2])
    prepare_environment(os.environ, Settings())
    os.environ["CONFIG_FILE_PATH"] = config
    from litellm.proxy.proxy_server import app  # after the offline switches

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
