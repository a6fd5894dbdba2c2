"""llm-audit: a policy-driven linter and auditor for LLM prompts and call sites."""

__version__ = "0.1.0"
