"""The callback instances `litellm_config.yaml` registers with LiteLLM.

LiteLLM loads this file by path (a fresh module, outside `sys.modules`), once
per callback it names; the instances come from `process_callbacks`, built
once per process.
"""

from router_service.assembly import process_callbacks

routing_hook = process_callbacks().routing_hook
local_monitor = process_callbacks().local_monitor
output_guard = process_callbacks().output_guard
