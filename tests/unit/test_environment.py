import subprocess
import sys

from pydantic import SecretStr

from router_service.auth.client_auth import presented_key
from router_service.core.config import Settings
from router_service.deployments import DeploymentIndex
from router_service.environment import (
    EMULATOR_ANTHROPIC_API_KEY,
    OFFLINE,
    REAL_ANTHROPIC_API_BASE,
    prepare_environment,
    provider_environment,
)

SETTINGS = Settings()


def test_nothing_configured_means_the_emulators() -> None:
    resolved = provider_environment({}, SETTINGS)
    assert resolved == {
        "OLLAMA_API_BASE": SETTINGS.ollama_api_base,
        "ANTHROPIC_API_BASE": SETTINGS.anthropic_api_base,
        "ANTHROPIC_API_KEY": EMULATOR_ANTHROPIC_API_KEY,
    }


def test_an_anthropic_key_means_the_real_api() -> None:
    resolved = provider_environment({"ANTHROPIC_API_KEY": "sk-ant-real"}, SETTINGS)
    assert resolved["ANTHROPIC_API_BASE"] == REAL_ANTHROPIC_API_BASE
    assert resolved["ANTHROPIC_API_KEY"] == "sk-ant-real"


def test_configured_addresses_are_kept() -> None:
    environ = {
        "OLLAMA_API_BASE": "http://gpu:11434",
        "ANTHROPIC_API_KEY": "sk-ant-real",
        "ANTHROPIC_API_BASE": "http://gateway:8080",
    }
    resolved = provider_environment(environ, SETTINGS)
    assert resolved["OLLAMA_API_BASE"] == "http://gpu:11434"
    assert resolved["ANTHROPIC_API_BASE"] == "http://gateway:8080"


def test_prepare_environment_forces_the_offline_switches() -> None:
    environ = {"LITELLM_LOCAL_MODEL_COST_MAP": "False"}
    prepare_environment(environ, SETTINGS.model_copy(update={"master_key": SecretStr("sk-hr-abc")}))
    assert {key: environ[key] for key in OFFLINE} == OFFLINE
    assert environ["LITELLM_MASTER_KEY"] == "sk-hr-abc"


def test_deployment_index_reads_the_shipped_config() -> None:
    index = DeploymentIndex.from_config(SETTINGS.litellm_config)
    assert sorted(index.models_by_id.values()) == [
        "anthropic/claude-sonnet-4-6",
        "ollama_chat/llama3.1:8b",
    ]
    cloud_id = next(key for key, model in index.models_by_id.items() if "anthropic" in model)
    local_id = next(key for key, model in index.models_by_id.items() if "ollama" in model)
    # The deployment id wins over the record; the record covers replies without an id.
    assert index.actual_model({"model_id": cloud_id}, "x/y") == "anthropic/claude-sonnet-4-6"
    assert index.actual_model({}, "ollama_chat/llama3.1:8b") == "ollama_chat/llama3.1:8b"
    assert index.actual_model({}, None) is None
    assert index.tier({"model_info": {"id": local_id}}) == "local"
    assert index.tier({"litellm_params": {"model_info": {"id": cloud_id}}}) == "cloud"
    assert index.model({"model_info": {"id": cloud_id}}) == "anthropic/claude-sonnet-4-6"
    assert index.ollama_model() == "llama3.1:8b"


def test_presented_key_forms() -> None:
    assert presented_key([(b"authorization", b"Bearer sk-1")]) == "sk-1"
    assert presented_key([(b"authorization", b"bearer  sk-2 ")]) == "sk-2"
    assert presented_key([(b"x-api-key", b"sk-3")]) == "sk-3"
    assert presented_key([(b"authorization", b"Basic abc")]) is None
    assert presented_key([]) is None


def test_the_server_module_does_not_import_litellm_before_the_switches_are_set() -> None:
    # LiteLLM reads its offline switches at import: an import that comes
    # earlier would send it to the internet for its data files.
    check = "import sys, router_service.server; print('litellm' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
