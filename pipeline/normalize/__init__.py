"""The normalize stage: raw bytes in any encoding become clean, stable ``Article`` records.

The core is pure (records in, records out, counters as values); ``command.py`` is the only
part that touches files or the terminal. Modules, in the order a document meets them:
``decode`` (bytes to text), ``repair`` (mojibake, NFC, line endings, invisible marks),
``readers`` (txt / JSON lines / HTML into a document), ``metadata`` (inline header, title,
dateline), ``structure`` (paragraph and heading spans), ``language``, ``core`` (one document
to one article or one quarantine entry) and ``grouping`` (exact and near duplicates, stories).
"""
