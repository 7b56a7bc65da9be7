"""Releases: immutable, versioned Hugging Face datasets cut from pre-annotations and gold.

Modules: ``core`` (the pure streaming core: one input batch to release rows), ``gold``
(which labels are final), ``split`` (story-level splits and the MinHash leakage check),
``features`` (ClassLabel Features derived from ``schema.py``), ``cut`` (the cut's reads,
order of steps and writes), ``card`` (the dataset card, from ``card_template.md``),
``changes`` (changelog figures), ``store`` (the releases folder: versions, atomic
publication), ``reader`` (a cut release read back: manifest, shards, rows), ``verify``,
``export``, ``publish`` and ``command`` (the thin Typer group). The manifest's shape is
``schema.ReleaseManifest``.
"""
