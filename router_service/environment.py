"""The process environment the LiteLLM proxy needs: offline switches and providers.

LiteLLM reads these at import and start-up, so they are applied before it is
imported. Nothing may reach the internet: the model cost map and the other
data files come from the installed package, telemetry stays off, and the
provider addresses point at the configured servers (the emulators by default).
"""

from collections.abc import Mapping, MutableMapping

from router_service.core.config import Settings

OFFLINE = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS": "True",
    "LITELLM_LOCAL_AUTOROUTER_PRESETS": "True",
    "LITELLM_LOCAL_BLOG_POSTS": "True",
    "LITELLM_LOCAL_POLICY_TEMPLATES": "True",
    "LITELLM_TELEMETRY": "False",
    "LITELLM_DONT_SHOW_FEEDBACK_BOX": "True",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "DISABLE_ADMIN_UI": "True",
}
# LiteLLM sleeps with exponential back-off and jitter between retries unless
# these are zero; a retry here is meant to be immediate.
NO_RETRY_SLEEP = {"INITIAL_RETRY_DELAY": "0", "JITTER": "0"}
REAL_ANTHROPIC_API_BASE = "https://api.anthropic.com"
EMULATOR_ANTHROPIC_API_KEY = "sk-ant-emulator"


def provider_environment(environ: Mapping[str, str], settings: Settings) -> dict[str, str]:
    """Provider variables: the real services where configured, else the emulators.

    A set `ANTHROPIC_API_KEY` means the real Anthropic API (unless
    `ANTHROPIC_API_BASE` says otherwise); a set `OLLAMA_API_BASE` means a
    real Ollama. Without them the proxy talks to the emulators.
    """
    resolved = {"OLLAMA_API_BASE": environ.get("OLLAMA_API_BASE") or settings.ollama_api_base}
    if environ.get("ANTHROPIC_API_KEY"):
        resolved["ANTHROPIC_API_KEY"] = environ["ANTHROPIC_API_KEY"]
        resolved["ANTHROPIC_API_BASE"] = (
            environ.get("ANTHROPIC_API_BASE") or REAL_ANTHROPIC_API_BASE
        )
    else:
        resolved["ANTHROPIC_API_KEY"] = EMULATOR_ANTHROPIC_API_KEY
        resolved["ANTHROPIC_API_BASE"] = (
            environ.get("ANTHROPIC_API_BASE") or settings.anthropic_api_base
        )
    return resolved


def prepare_environment(environ: MutableMapping[str, str], settings: Settings) -> None:
    """Offline switches, retry timing, provider addresses and the master key, in place."""
    environ.update(OFFLINE)
    environ.update(NO_RETRY_SLEEP)
    environ.update(provider_environment(environ, settings))
    if settings.master_key is not None:
        environ["LITELLM_MASTER_KEY"] = settings.master_key.get_secret_value()
