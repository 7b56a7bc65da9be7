"""The label taxonomy: entity and time labels, PLOVER event types, argument roles.

``annotation_configs/taxonomy.yaml`` is the one source of every label the pipeline emits; the
pre-annotator, the Label Studio config and the release card all read it through here. It is
validated on load, strictly: a typo in a key would otherwise silently drop a field (PyYAML even
lets a duplicated event type overwrite the first), and a wrong label would then reach
annotators. Every problem is one ``TaxonomyError`` line naming the file and the bad key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import PipelineError

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "annotation_configs" / "taxonomy.yaml"

_TOP_KEYS = {"version", "entity_labels", "time_labels", "roles", "event_types"}
_TYPE_KEYS = {
    "definition",
    "modes",
    "cameo",
    "triggers",
    "requires_recipient",
    "mode_triggers",
}
_OPTIONAL_TYPE_KEYS = {"mode_triggers"}


class TaxonomyError(PipelineError):
    """An invalid taxonomy file; the message names the file and the offending key."""


@dataclass(frozen=True)
class EventType:
    """One PLOVER event type as annotators see it and the trigger finder uses it.

    ``triggers`` are French lemmas; a multi-word trigger is written with spaces and matched
    as a sequence of lemmas. ``mode_triggers`` maps a mode to the trigger lemmas that say it.
    """

    name: str
    definition: str
    modes: list[str]
    cameo: list[str]
    triggers: list[str]
    requires_recipient: bool
    mode_triggers: dict[str, list[str]] = field(default_factory=dict)

    def mode_of(self, lemma: str) -> str | None:
        """The mode a trigger lemma expresses, or None when the lemma says no mode."""
        for mode, lemmas in self.mode_triggers.items():
            if lemma in lemmas:
                return mode
        return None


@dataclass(frozen=True)
class Taxonomy:
    """The loaded, validated taxonomy (see CONTRACTS.md for the agreed attributes)."""

    version: str
    entity_labels: list[str]
    time_labels: list[str]
    event_types: dict[str, EventType]
    roles: list[str]
    fingerprint: str
    path: Path

    def trigger_index(self) -> dict[tuple[str, ...], str]:
        """Trigger lemma sequence → event type name (validation guarantees one type each)."""
        return {
            tuple(lemma.split()): name
            for name, etype in self.event_types.items()
            for lemma in etype.triggers
        }


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicated mapping keys instead of keeping the last one."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise TaxonomyError(f"duplicate key '{key}' (line {key_node.start_mark.line + 1})")
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _str_list(value: Any, key: str, allow_empty: bool = False) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise TaxonomyError(f"'{key}' must be a list of non-empty strings")
    if not value and not allow_empty:
        raise TaxonomyError(f"'{key}' must not be empty")
    dupes = sorted({v for v in value if value.count(v) > 1})
    if dupes:
        raise TaxonomyError(f"'{key}' has duplicate label '{dupes[0]}'")
    return list(value)


def _check_keys(data: Any, allowed: set[str], optional: set[str], where: str) -> None:
    if not isinstance(data, dict):
        raise TaxonomyError(f"'{where or 'top level'}' must be a mapping")
    prefix = f"{where}." if where else ""
    unknown = sorted(str(k) for k in set(data) - allowed)
    if unknown:
        raise TaxonomyError(f"unknown key '{prefix}{unknown[0]}'")
    missing = sorted(allowed - optional - set(data))
    if missing:
        raise TaxonomyError(f"missing field '{prefix}{missing[0]}'")


def _event_type(name: str, data: Any) -> EventType:
    where = f"event_types.{name}"
    _check_keys(data, _TYPE_KEYS, _OPTIONAL_TYPE_KEYS, where)
    definition = data["definition"]
    if not isinstance(definition, str) or not definition.strip() or "\n" in definition.strip():
        raise TaxonomyError(f"'{where}.definition' must be one non-empty line")
    if not isinstance(data["requires_recipient"], bool):
        raise TaxonomyError(f"'{where}.requires_recipient' must be true or false")
    modes = _str_list(data["modes"], f"{where}.modes", allow_empty=True)
    cameo = _str_list(data["cameo"], f"{where}.cameo")
    bad_code = next((c for c in cameo if not c.isdigit() or len(c) not in (2, 3, 4)), None)
    if bad_code is not None:
        raise TaxonomyError(f"'{where}.cameo' has a code that is not CAMEO: '{bad_code}'")
    triggers = _str_list(data["triggers"], f"{where}.triggers")
    raw_modes = data.get("mode_triggers") or {}
    if not isinstance(raw_modes, dict):
        raise TaxonomyError(f"'{where}.mode_triggers' must be a mapping")
    mode_triggers: dict[str, list[str]] = {}
    for mode, lemmas in raw_modes.items():
        key = f"{where}.mode_triggers.{mode}"
        if mode not in modes:
            raise TaxonomyError(f"unknown mode '{key}' (not in {where}.modes)")
        mode_triggers[mode] = _str_list(lemmas, key)
        stray = next((lemma for lemma in lemmas if lemma not in triggers), None)
        if stray is not None:
            raise TaxonomyError(f"'{key}' lists '{stray}', which is not in {where}.triggers")
    return EventType(
        name=name,
        definition=definition.strip(),
        modes=modes,
        cameo=cameo,
        triggers=triggers,
        requires_recipient=data["requires_recipient"],
        mode_triggers=mode_triggers,
    )


def parse_taxonomy(raw: bytes, path: Path) -> Taxonomy:
    """Validate taxonomy YAML bytes; raise ``TaxonomyError`` without the file name."""
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_UniqueKeyLoader)  # a SafeLoader
    except UnicodeDecodeError as exc:
        raise TaxonomyError(f"not UTF-8 ({exc.reason})") from exc
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"invalid YAML ({str(exc).splitlines()[0]})") from exc
    _check_keys(data, _TOP_KEYS, set(), "")
    version = data["version"]
    if not isinstance(version, str) or len(version.split(".")) != 3:
        raise TaxonomyError("'version' must be a quoted semantic version such as \"1.0.0\"")
    entity_labels = _str_list(data["entity_labels"], "entity_labels")
    time_labels = _str_list(data["time_labels"], "time_labels")
    clash = sorted(set(entity_labels) & set(time_labels))
    if clash:
        raise TaxonomyError(f"duplicate label '{clash[0]}' in entity_labels and time_labels")
    roles = _str_list(data["roles"], "roles")
    raw_types = data["event_types"]
    if not isinstance(raw_types, dict) or not raw_types:
        raise TaxonomyError("'event_types' must be a non-empty mapping")
    event_types = {str(name): _event_type(str(name), body) for name, body in raw_types.items()}
    owner: dict[str, str] = {}
    for name, etype in event_types.items():
        for lemma in etype.triggers:
            if lemma in owner:
                raise TaxonomyError(
                    f"duplicate trigger 'event_types.{name}.triggers.{lemma}' "
                    f"(already in {owner[lemma]})"
                )
            owner[lemma] = name
    return Taxonomy(
        version=version,
        entity_labels=entity_labels,
        time_labels=time_labels,
        event_types=event_types,
        roles=roles,
        fingerprint=hashlib.sha256(raw).hexdigest()[:12],
        path=path,
    )


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Read and validate the taxonomy file (default: the repository's annotation_configs/)."""
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TaxonomyError(f"{path}: cannot read taxonomy ({exc.strerror})") from exc
    try:
        return parse_taxonomy(raw, path)
    except TaxonomyError as exc:
        raise TaxonomyError(f"{path}: {exc}") from None
