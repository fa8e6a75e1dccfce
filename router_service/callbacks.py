"""The callback instances `litellm_config.yaml` registers with LiteLLM.

LiteLLM loads this file by path (a fresh module, outside `sys.modules`), so
it only builds instances; all logic lives in the modules it imports.
"""

from router_service.core.config import get_settings
from router_service.routing_hook import RoutingHook

routing_hook = RoutingHook.from_settings(get_settings())
