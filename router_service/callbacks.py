"""The callback instances and the auth function `litellm_config.yaml` names for LiteLLM.

LiteLLM loads this file by path (a fresh module, outside `sys.modules`), once
per name; the instances come from `process_components`, built once per
process.
"""

from router_service.assembly import process_components
from router_service.auth.custom_auth import custom_auth

routing_hook = process_components().routing_hook
local_monitor = process_components().local_monitor
output_guard = process_components().output_guard
request_recorder = process_components().recorder
provider_errors = process_components().provider_errors

__all__ = [
    "custom_auth",
    "local_monitor",
    "output_guard",
    "provider_errors",
    "request_recorder",
    "routing_hook",
]
