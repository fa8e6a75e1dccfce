"""Who is calling: master key or client key, checked in front of LiteLLM."""
