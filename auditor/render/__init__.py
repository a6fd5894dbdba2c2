"""Output formats: findings (text, json, sarif, github, gitlab, junit), the cost report (table, markdown, html), the model list."""
