"""The Docker deployment: docker-compose.yml against the compose-spec schema, and
every setting the router needs provided to it.

The schema is the compose-spec JSON schema shipped in Docker's own
`docker-compose` 1.29.2 wheel, which `make install` downloads (hash-pinned
in `deploy/compose-schema.lock`) into `.venv/compose-schema/`.
"""

import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from router_service.core.config import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
SCHEMA_DIR = Path(sys.prefix) / "compose-schema"
SCHEMA_MEMBER = "compose/config/compose_spec.json"
# What every replica must be told; the rest has defaults (README, Configuration).
REQUIRED_ROUTER_SETTINGS = (
    "HR_MASTER_KEY", "HR_DATABASE_URL", "HR_REDIS_URL", "OLLAMA_API_BASE", "ANTHROPIC_API_KEY",
)  # fmt: skip
# Provider variables the proxy reads besides its HR_ settings.
PROVIDER_VARIABLES = {"OLLAMA_API_BASE", "ANTHROPIC_API_KEY", "ANTHROPIC_API_BASE"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def compose_schema() -> dict[str, Any]:
    wheels = sorted(SCHEMA_DIR.glob("docker_compose-*.whl"))
    assert wheels, f"no compose-spec schema in {SCHEMA_DIR}: run `make install`"
    with zipfile.ZipFile(wheels[-1]) as wheel:
        schema: dict[str, Any] = json.loads(wheel.read(SCHEMA_MEMBER))
    return schema


def test_the_compose_file_follows_the_compose_spec(compose: dict[str, Any]) -> None:
    schema = compose_schema()
    validator = jsonschema.Draft201909Validator(schema)
    errors = sorted(validator.iter_errors(compose), key=lambda error: list(error.path))
    assert not errors, [f"{list(error.path)}: {error.message}" for error in errors]


def test_the_schema_check_catches_a_broken_file(compose: dict[str, Any]) -> None:
    broken = {**compose, "services": {**compose["services"], "router": {"replicas": "three"}}}
    assert list(jsonschema.Draft201909Validator(compose_schema()).iter_errors(broken))


def test_every_setting_the_router_needs_is_provided(compose: dict[str, Any]) -> None:
    environment = compose["services"]["router"]["environment"]
    missing = [name for name in REQUIRED_ROUTER_SETTINGS if not environment.get(name)]
    assert not missing
    known = {f"HR_{name.upper()}" for name in Settings.model_fields} | PROVIDER_VARIABLES
    unknown = sorted(set(environment) - known)
    assert not unknown, f"not settings of the router (a typo?): {unknown}"
    # The replicas share the database, the breaker and the rate limits.
    assert "@postgres:5432/" in environment["HR_DATABASE_URL"]
    assert environment["HR_REDIS_URL"].startswith("redis://redis:")
    assert "ollama:11434" in environment["OLLAMA_API_BASE"]


def test_replicas_start_after_migrations_behind_a_load_balancer(compose: dict[str, Any]) -> None:
    services = compose["services"]
    router = services["router"]
    assert router["deploy"]["replicas"] >= 2
    assert router["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["command"] == ["hybrid-router", "db", "upgrade"]
    assert (
        services["migrate"]["environment"]["HR_DATABASE_URL"]
        == (router["environment"]["HR_DATABASE_URL"])
    )
    assert "ports" not in router  # only the load balancer is published
    assert services["loadbalancer"]["depends_on"]["router"]["condition"] == "service_healthy"
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert re.search(r"set \$router http://router:4000;", nginx)
    assert "proxy_buffering off" in nginx  # streams pass through as they come
    for name in ("postgres", "redis", "router", "ollama", "emulators", "loadbalancer"):
        assert services[name]["healthcheck"]["test"], name


def test_a_stopping_replica_drains_before_docker_kills_it(compose: dict[str, Any]) -> None:
    grace = compose["services"]["router"]["stop_grace_period"]
    match = re.fullmatch(r"(\d+)s", grace)
    assert match, grace
    assert "HR_DRAIN_TIMEOUT_S" not in compose["services"]["router"]["environment"]
    assert Settings().drain_timeout_s < int(match.group(1))


def test_ollama_gets_the_gpu_and_the_model_is_pulled_once(compose: dict[str, Any]) -> None:
    services = compose["services"]
    (device,) = services["ollama"]["deploy"]["resources"]["reservations"]["devices"]
    assert device["capabilities"] == ["gpu"]
    pull = services["ollama-pull"]
    assert pull["entrypoint"] == ["ollama", "pull", "llama3.1:8b"]
    assert pull["restart"] == "no"
    assert pull["depends_on"]["ollama"]["condition"] == "service_healthy"
    config = yaml.safe_load((ROOT / "litellm_config.yaml").read_text())
    local = next(item for item in config["model_list"] if item["model_name"] == "local")
    assert local["litellm_params"]["model"].endswith("/llama3.1:8b")  # the model pulled


def test_the_emulator_profile_replaces_both_providers(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["emulators"]["profiles"] == ["emulators"]
    assert services["ollama"]["profiles"] == ["gpu"]
    env_file = dict(
        line.split("=", 1)
        for line in (ROOT / "deploy" / "emulators.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert env_file["OLLAMA_API_BASE"] == "http://emulators:11435"
    assert env_file["ANTHROPIC_API_BASE"] == "http://emulators:18080"
    assert env_file["HR_MASTER_KEY"]
    for name in env_file:  # every variable it sets reaches the router
        assert any(
            f"${{{name}" in str(value) for value in services["router"]["environment"].values()
        )


def test_the_image_installs_from_the_hashed_runtime_lock() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --require-hashes -r requirements-runtime.lock" in dockerfile
    assert re.search(r"^USER router$", dockerfile, re.M)  # not root
    assert 'CMD ["hybrid-router", "serve"]' in dockerfile
    full = _pins(ROOT / "requirements.lock")
    runtime = _pins(ROOT / "requirements-runtime.lock")
    assert runtime and all(full.get(name) == version for name, version in runtime.items())


def _pins(path: Path) -> dict[str, str]:
    return dict(re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", path.read_text(), re.M))
