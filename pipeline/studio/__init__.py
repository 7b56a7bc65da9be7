"""Label Studio integration: a managed server, the labeling config made from the taxonomy,
idempotent push of pre-annotations (with recorded overlap), pull of human corrections,
annotator agreement, merging of several annotators' versions and the review project."""
