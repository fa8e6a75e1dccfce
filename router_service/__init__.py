"""The LiteLLM integration: routing hook, request guard, settings, CLI."""
