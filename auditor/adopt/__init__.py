"""Adopting llm-audit on an existing codebase: baselines of accepted findings and the prompt lock file."""
