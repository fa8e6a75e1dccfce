"""The operator's two ways in, as tests use them: the admin API and the `hybrid-router` command."""

import os
import subprocess
import sys
import uuid
from collections.abc import Mapping
from typing import Any

import httpx

from bench.harness import Proxy


def admin(proxy: Proxy, method: str, path: str, **body: Any) -> Any:
    """An admin API call with the master key; its JSON answer (it must succeed)."""
    response = httpx.request(
        method,
        proxy.url + path,
        headers={"Authorization": f"Bearer {proxy.master_key}"},
        json=body or None,
        timeout=10,
    )
    assert response.status_code < 300, response.text
    return response.json()


def new_client(proxy: Proxy, prefix: str = "cafe", **options: Any) -> tuple[str, str]:
    """A client of its own (unique name, `options` as the admin API takes them) and a key."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    admin(proxy, "POST", "/hr/admin/clients", name=name, **options)
    key = admin(proxy, "POST", f"/hr/admin/clients/{name}/keys", label="test")["key"]
    return name, key


def hybrid_router(
    database_url: str, *args: str, env: Mapping[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`hybrid-router <args>` on this database, in a process of its own."""
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("HR_")}
    command = [sys.executable, "-m", "router_service", *args]
    return subprocess.run(
        command,
        env={**inherited, "HR_DATABASE_URL": database_url, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
