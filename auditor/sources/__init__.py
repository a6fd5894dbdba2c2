"""Stage 1, bytes -> parsed input, one module per input kind: Python source, notebooks, prompt-file front matter, snippet lines."""
