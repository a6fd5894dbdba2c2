"""Configuration: the policy (load, merge, validate), the typed catalog over rules/, starter policy, rule docs, LiteLLM import."""
