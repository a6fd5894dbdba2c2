"""Cost: exact token counts, prompt sizing, per-call-site cost and savings, the usage file, calibration from telemetry."""
