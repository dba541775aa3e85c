"""Layered configuration with Apache Hama's keys.

Layers, weakest first:

1. ``conf/hama-default.xml`` shipped with hama-yarn (every key, default, description);
2. ``$HAMA_CONF_DIR/hama-site.xml`` (site settings);
3. ``-D key=value`` on the command line;
4. values set in code (``BSPJob.set``).

Values are strings, as in Hadoop's ``Configuration``; typed getters parse them and
raise :class:`~hama_yarn.errors.ConfigError` naming the key.  ``${name}``
references are expanded from other keys, then from ``user.name`` and the
environment, like Hadoop.
"""

from __future__ import annotations

import getpass
import logging
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .errors import ConfigError
from .resources import data_path

log = logging.getLogger(__name__)

__all__ = ["HamaConfiguration", "KeySpec", "default_keys", "parse_bool", "parse_define", "check_value"]

T = TypeVar("T")

_VAR = re.compile(r"\$\{([^}$\s]+)\}")

#: Layer names, weakest first.
LAYERS = ("default", "site", "command line", "code")


@dataclass(frozen=True, slots=True)
class KeySpec:
    """One key of ``hama-default.xml``.

    Parameters
    ----------
    name : str
        The key.
    default : str
        Its default value (a string, as written in the file).
    type : str
        ``string``, ``bool``, ``int:MIN``, or a plug-in kind (``input-format``,
        ``output-format``, ``sync``, ``compressor``) checked at submit.
    description : str
        What it means.
    """

    name: str
    default: str
    type: str
    description: str


def _read_xml(path: Path) -> list[tuple[str, str, str, str]]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise ConfigError(str(path), f"cannot read configuration file: {exc}") from exc
    out = []
    for prop in root.iter("property"):
        name = (prop.findtext("name") or "").strip()
        if not name:
            continue
        value = prop.findtext("value") or ""
        out.append(
            (
                name,
                value.strip(),
                (prop.findtext("type") or "string").strip(),
                " ".join((prop.findtext("description") or "").split()),
            )
        )
    return out


_DEFAULTS: dict[str, KeySpec] | None = None


def default_keys() -> dict[str, KeySpec]:
    """Return every key of ``hama-default.xml`` with its spec (cached)."""
    global _DEFAULTS
    if _DEFAULTS is None:
        path = data_path("conf") / "hama-default.xml"
        _DEFAULTS = {n: KeySpec(n, v, t, d) for n, v, t, d in _read_xml(path)}
    return _DEFAULTS


def parse_bool(key: str, value: str) -> bool:
    """Parse a boolean with Hadoop's spellings: ``true`` or ``false``, any case, surrounding blanks ignored.

    Hadoop's ``Configuration.getBoolean`` accepts exactly these two words and silently
    falls back to the default for anything else; here anything else (``yes``, ``1``,
    ``on``, ``ture``) is an error naming the key, so a typo never flips a switch.

    Raises
    ------
    ConfigError
        If *value* is neither ``true`` nor ``false``.
    """
    v = value.strip().lower()
    if v == "true":
        return True
    if v == "false":
        return False
    raise ConfigError(key, f"expected true or false, got {value!r}")


def check_value(key: str, kind: str, value: str) -> None:
    """Check *value* of *key* against a ``hama-default.xml`` type (``int``, ``int:MIN``, ``bool``).

    Other types (``string`` and the plug-in kinds) are not checked here.

    Raises
    ------
    ConfigError
        Naming the key, the value and what was expected.
    """
    v = value.strip()
    if kind.startswith("int"):
        try:
            n = int(v)
        except ValueError:
            raise ConfigError(key, f"expected an integer, got {value!r}") from None
        low = int(kind.split(":")[1]) if ":" in kind else None
        if low is not None and n < low:
            raise ConfigError(key, f"must be at least {low}, got {n}")
    elif kind == "bool":
        parse_bool(key, v)


def parse_define(text: str) -> tuple[str, str]:
    """Split a ``key=value`` command-line definition.

    Raises
    ------
    ConfigError
        If there is no ``=`` or the key is empty.
    """
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(text, "a definition must look like key=value")
    return key.strip(), value


class HamaConfiguration(Mapping[str, str]):
    """A job configuration: string keys and values in layers.

    Parameters
    ----------
    load_defaults : bool, default True
        Load ``hama-default.xml`` and ``$HAMA_CONF_DIR/hama-site.xml``.
    values : mapping, optional
        Values for the ``code`` layer.

    Examples
    --------
    >>> conf = HamaConfiguration()
    >>> conf.get_int("bsp.peers.num")
    1
    >>> conf.set("bsp.peers.num", 4)
    >>> conf["bsp.peers.num"]
    '4'
    """

    def __init__(self, load_defaults: bool = True, values: Mapping[str, object] | None = None) -> None:
        self._layers: dict[str, dict[str, str]] = {name: {} for name in LAYERS}
        self._site_file: str | None = None
        if load_defaults:
            self._layers["default"] = {k: s.default for k, s in default_keys().items()}
            site_dir = os.environ.get("HAMA_CONF_DIR")
            if site_dir:
                site = Path(site_dir) / "hama-site.xml"
                if site.is_file():
                    self._layers["site"] = {n: v for n, v, _, _ in _read_xml(site)}
                    self._site_file = str(site)
                    log.debug("Using configs in %s", site)
        for k, v in (values or {}).items():
            self.set(k, v)

    # -- Mapping protocol (the merged view) --------------------------------
    def _merged(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for name in LAYERS:
            merged.update(self._layers[name])
        return merged

    def __getitem__(self, key: str) -> str:
        for name in reversed(LAYERS):
            layer = self._layers[name]
            if key in layer:
                return self._expand(key, layer[key])
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._merged())

    def __len__(self) -> int:
        return len(self._merged())

    # -- access ---------------------------------------------------------
    def _expand(self, key: str, value: str, depth: int = 0) -> str:
        if "${" not in value:
            return value
        if depth > 20:
            raise ConfigError(key, f"variable expansion too deep in {value!r}")

        def sub(m: re.Match[str]) -> str:
            name = m.group(1)
            if name == "user.name":
                return _user_name()
            if name != key and self._raw(name) is not None:
                return self._expand(name, self._raw(name) or "", depth + 1)
            return os.environ.get(name, m.group(0))

        return _VAR.sub(sub, value)

    def _raw(self, key: str) -> str | None:
        for name in reversed(LAYERS):
            if key in self._layers[name]:
                return self._layers[name][key]
        return None

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        """Return the value of *key* (``${}`` expanded), or *default* when unset or empty."""
        try:
            value = self[key]
        except KeyError:
            return default
        return value if value != "" or default is None else default

    def set(self, key: str, value: object, layer: str = "code") -> None:
        """Set *key* in *layer* (``code`` by default). ``None`` removes it from that layer."""
        if layer not in self._layers:
            raise ValueError(f"unknown layer {layer!r}")
        if value is None:
            self._layers[layer].pop(key, None)
            return
        if isinstance(value, bool):
            value = "true" if value else "false"
        self._layers[layer][key] = str(value)

    def unset(self, key: str) -> None:
        """Remove *key* from every layer above the defaults."""
        for name in LAYERS[1:]:
            self._layers[name].pop(key, None)

    def source(self, key: str) -> str | None:
        """Name of the layer that decides *key* (``default``, ``site``, ...)."""
        for name in reversed(LAYERS):
            if key in self._layers[name]:
                return name
        return None

    def check_layers(self, key: str, kind: str) -> None:
        """Check the value of *key* in every layer that sets it, not only the one that wins.

        A malformed value is an error wherever it is set (``hama-site.xml``, ``-D``,
        code), even when a later layer overrides it: ``-D bsp.peers.num=abc -n 2``
        fails instead of silently ignoring ``abc``.

        Parameters
        ----------
        key : str
            The key.
        kind : str
            Its ``hama-default.xml`` type (see :func:`check_value`).

        Raises
        ------
        ConfigError
            Naming the key, the bad value and the layer it came from.
        """
        setting = [name for name in LAYERS if key in self._layers[name]]
        for name in setting:
            value = self._expand(key, self._layers[name][key])
            if value.strip() == "":
                continue
            try:
                check_value(key, kind, value)
            except ConfigError as exc:
                where = f"from {self._origin(name)}"
                if name != setting[-1]:
                    where += f", overridden by {self._origin(setting[-1])}: a malformed value is an error wherever it is set"
                raise ConfigError(key, f"{exc.message} ({where})") from None

    def _origin(self, layer: str) -> str:
        """Where a layer's values come from, in words."""
        return {
            "default": "hama-default.xml",
            "site": self._site_file or "hama-site.xml",
            "command line": "-D",
            "code": "code or a command-line option",
        }[layer]

    def _typed(self, key: str, default: T | None, parse: Callable[[str], T], what: str) -> T:
        value = self.get(key)
        if value is None or value.strip() == "":
            if default is None:
                raise ConfigError(key, "is not set")
            return default
        try:
            return parse(value.strip())
        except ValueError:
            raise ConfigError(key, f"expected {what}, got {value!r}") from None

    def get_int(self, key: str, default: int | None = None) -> int:
        """Return *key* as an int.

        Raises
        ------
        ConfigError
            If the value is not an integer, or unset with no *default*.
        """
        return self._typed(key, default, int, "an integer")

    def get_float(self, key: str, default: float | None = None) -> float:
        """Return *key* as a float (see :meth:`get_int`)."""
        return self._typed(key, default, float, "a number")

    def get_bool(self, key: str, default: bool | None = None) -> bool:
        """Return *key* as a bool (``true``/``false``, see :meth:`get_int`)."""
        return self._typed(key, default, lambda v: parse_bool(key, v), "true or false")

    def get_seconds(self, key: str) -> float:
        """Return a ``*.ms`` key converted to seconds."""
        return self.get_int(key) / 1000.0

    def get_list(self, key: str) -> list[str]:
        """Return a comma-separated key as a list of non-empty, stripped items."""
        return [p.strip() for p in (self.get(key) or "").split(",") if p.strip()]

    # -- copying / shipping ----------------------------------------------
    def to_dict(self) -> dict[str, str]:
        """The merged, unexpanded values (what gets shipped to the master and peers)."""
        return self._merged()

    @classmethod
    def from_dict(cls, values: Mapping[str, str]) -> HamaConfiguration:
        """A configuration holding exactly *values* (no defaults or site file loaded).

        Used by the master and peers, which receive the client's merged view.
        """
        conf = cls(load_defaults=False)
        conf._layers["default"] = {k: s.default for k, s in default_keys().items()}
        conf._layers["code"] = {str(k): str(v) for k, v in values.items()}
        return conf

    def copy(self) -> HamaConfiguration:
        """An independent copy with the same layers."""
        conf = HamaConfiguration(load_defaults=False)
        conf._layers = {k: dict(v) for k, v in self._layers.items()}
        conf._site_file = self._site_file
        return conf

    def write_xml(self, path: str | os.PathLike[str]) -> None:
        """Write the merged values as a Hadoop-style configuration file."""
        root = ET.Element("configuration")
        for k, v in sorted(self._merged().items()):
            prop = ET.SubElement(root, "property")
            ET.SubElement(prop, "name").text = k
            ET.SubElement(prop, "value").text = v
        ET.indent(root)
        ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _user_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry inside some containers
        return os.environ.get("USER", "hama")
