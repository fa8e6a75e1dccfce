"""Reports on the request log: cost per interaction type, the all-cloud counterfactual,
escalations and follow-ups over time (`hybrid-router report`, the dashboard)."""
