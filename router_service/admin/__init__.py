"""Administration: clients, keys, budgets, spend and logs, for the CLI and the HTTP API."""
