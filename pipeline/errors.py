"""Program-level errors: the CLI prints them as one line and exits non-zero.

Record-level problems are *values* (``QuarantineEntry`` rows, ``Annotation.errors``); only
what stops a whole command (bad config, unwritable output, unreachable server) is raised.
"""


class PipelineError(Exception):
    """A failure the user can act on; its message is shown alone, without a traceback."""


class SchemaVersionError(PipelineError):
    """A Parquet file written by another schema version (or not by this pipeline)."""
