"""Fixes: building edits (parameters, text inside literals, front matter), applying them to files, and suppression comments."""
