"""One module per input kind: Python files, Jupyter notebooks, prompt files."""
