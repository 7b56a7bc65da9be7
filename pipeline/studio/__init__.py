"""Label Studio integration: managed server, labeling config, push of pre-annotations, pull of human corrections, agreement."""
