"""Fine-tuning the recognizer on human-verified labels: ``pipeline train``."""
