"""Pre-annotation: machine labels (entities, time expressions, events) for annotators to correct."""
