"""`serve` refuses to start on a bad rules or model file, with a message that says which."""

import json
from pathlib import Path

import pytest
from pydantic import SecretStr

from router_service.core.config import Settings
from router_service.server import ConfigurationError, serve

MASTER_KEY = SecretStr("sk-hr-test-0123456789abcdef")


def test_damaged_model_file_is_refused(tmp_path: Path) -> None:
    artifact = json.loads(Settings().model_path.read_text())
    artifact["calibration"]["a"] = 0.0  # changed after sealing
    damaged = tmp_path / "model.json"
    damaged.write_text(json.dumps(artifact))
    settings = Settings(master_key=MASTER_KEY, model_path=damaged)
    with pytest.raises(ConfigurationError, match=r"bad model file .*checksum"):
        serve(settings)


def test_bad_rules_file_is_refused(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: x\n    tier: gpu\n    patterns: ['a']\n")
    settings = Settings(master_key=MASTER_KEY, rules_path=rules)
    with pytest.raises(ConfigurationError, match=r"bad rules file .*'tier' must be"):
        serve(settings)


def test_missing_master_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LITELLM_MASTER_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="no master key"):
        serve(Settings(master_key=None))
