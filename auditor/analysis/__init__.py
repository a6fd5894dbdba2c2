"""Stage 2, what the code does: resolution (imports, scopes, values, client types), call sites, prompts and their segments, DataFrames, usage facts, and the project (phase 2, across modules)."""
