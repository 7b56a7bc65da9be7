"""Label Studio integration: a managed server, the labeling config made from the taxonomy,
idempotent push of pre-annotations, pull of human corrections, and annotator agreement."""
