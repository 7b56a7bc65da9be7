"""Releases: immutable, versioned Hugging Face datasets cut from pre-annotations and gold.

Modules: ``gold`` (which labels are final), ``split`` (story-level splits and the MinHash
leakage check), ``features`` (ClassLabel Features derived from ``schema.py``), ``build`` (the
streaming core), ``card``, ``manifest``, ``changes`` (changelog figures), ``store`` (the
releases folder: versions, atomic publication), ``verify``, ``export``, ``publish`` and
``command`` (the thin Typer group).
"""
