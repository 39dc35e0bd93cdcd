"""Settings: a TOML file of profiles (edited with tomlkit so comments survive), env overrides.

Resolution, strongest first: environment variables, the selected profile's table, the file's
`[defaults]` table, built-in defaults. The file is written atomically with mode 0600.

```toml
default_profile = "work"
[defaults]
rate_limit = 200
rate_reserve = 0.1    # of the budget, kept for what the user waits on while bulk loads run
[profiles.work]
easypromos_token = "..."
ezepo_endpoint = "https://suppression.example.com"
ezepo_key = "..."
```
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:  # tomlkit is imported when a config file is read (~0.1 s at start-up)
    import tomlkit
    from tomlkit.exceptions import ParseError

from tui import paths
from tui.redact import Secret

DEFAULT_EASYPROMOS_URL = "https://api.easypromosapp.com/v2"
DEFAULT_PROFILE = "default"

ENV_VARS = {
    "EASYPROMOS_TOKEN": "easypromos_token",
    "EASYPROMOS_API_URL": "easypromos_api_url",
    "EZEPO_ENDPOINT": "ezepo_endpoint",
    "EZEPO_KEY": "ezepo_key",
    "PROMO_TUI_RATE_LIMIT": "rate_limit",
    "PROMO_TUI_RATE_WINDOW_SECONDS": "rate_window_seconds",
}


class ConfigError(Exception):
    """The configuration cannot be used; the text is one line meant for the user."""


@dataclass(frozen=True)
class Settings:
    """Everything one profile needs to talk to both services."""

    profile: str = DEFAULT_PROFILE
    easypromos_url: str = DEFAULT_EASYPROMOS_URL
    easypromos_token: Secret | None = None
    ezepo_endpoint: str | None = None
    ezepo_key: Secret | None = None
    rate_limit: int = 200
    rate_window_seconds: float = 60.0
    rate_reserve: float = 0.1
    ezepo_poll_seconds: float = 30.0
    timeout_seconds: float = 30.0
    cache_enabled: bool = True
    cache_max_age_days: float | None = None
    cache_directory: Path | None = None  # None: the platform's cache dir (tui.paths.cache_dir)
    coin_reference: bool = True  # end each coin concept with a reference (exact reconciliation)
    coin_check_seconds: float = 120.0  # how long a lost answer is looked for before "not applied"
    journal_path: Path | None = None  # None: the platform's data dir (tui.paths.data_dir)
    config_path: Path = field(default_factory=paths.config_file)
    warnings: tuple[str, ...] = ()

    @property
    def has_easypromos(self) -> bool:
        return bool(self.easypromos_token)


def _url(value: object, name: str) -> str:
    text = _text(value, name)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name} must be an http(s) URL, got {text!r}")
    if parts.query:
        raise ConfigError(f"{name} must not carry a query string")
    return text.rstrip("/")


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{name} must be a non-empty string")
    return value.strip()


def _secret(value: object, name: str) -> Secret:
    return Secret(_text(value, name))


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")
    return value


def _positive_float(value: object, name: str) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ConfigError(f"{name} must be a positive number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _fraction(value: object, name: str) -> float:
    """A share of the rate budget: 0 to 0.5."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 0.5:
        raise ConfigError(f"{name} must be a number from 0 to 0.5, got {value!r}")
    return float(value)


def _boolean(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be true or false, got {value!r}")
    return value


# config key -> (Settings field, parser)
_KEYS: dict[str, tuple[str, Callable[[object, str], Any]]] = {
    "easypromos_token": ("easypromos_token", _secret),
    "easypromos_api_url": ("easypromos_url", _url),
    "ezepo_endpoint": ("ezepo_endpoint", _url),
    "ezepo_key": ("ezepo_key", _secret),
    "rate_limit": ("rate_limit", _positive_int),
    "rate_window_seconds": ("rate_window_seconds", _positive_float),
    "rate_reserve": ("rate_reserve", _fraction),
    "ezepo_poll_seconds": ("ezepo_poll_seconds", _positive_float),
    "timeout_seconds": ("timeout_seconds", _positive_float),
    "cache_enabled": ("cache_enabled", _boolean),
    "cache_max_age_days": ("cache_max_age_days", _positive_float),
    "coin_reference": ("coin_reference", _boolean),
    "coin_check_seconds": ("coin_check_seconds", _positive_float),
}


def read_document(path: Path) -> tomlkit.TOMLDocument:
    """Parse the config file; a missing file is an empty document."""
    import tomlkit
    from tomlkit.exceptions import ParseError

    if path.is_dir():
        raise ConfigError(f"{path} is a directory, not a config file")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return tomlkit.document()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    try:
        return tomlkit.parse(text)
    except ParseError as exc:
        raise ConfigError(f"{path}: line {exc.line}, column {exc.col}: {_reason(exc)}") from None


def _reason(exc: ParseError) -> str:
    message = str(exc)
    return message.split(" at line ")[0] if " at line " in message else message


def _table(doc: Mapping[str, Any], name: str, where: str) -> Mapping[str, Any]:
    table = doc.get(name, {})
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: [{name}] must be a table")
    return table


def _apply(values: dict[str, Any], table: Mapping[str, Any], where: str) -> None:
    for key, raw in table.items():
        if key not in _KEYS:
            if isinstance(raw, Mapping):
                continue
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(f"{where}: unknown key {key!r} (known keys: {known})")
        field_name, parse = _KEYS[key]
        values[field_name] = parse(raw, f"{where}: {key}")


def _permission_warnings(path: Path) -> tuple[str, ...]:
    try:
        mode = path.stat().st_mode
    except OSError:
        return ()
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return (f"{path} is readable by other users; run: chmod 600 {path}",)
    return ()


def load_settings(
    config_path: Path | None = None,
    profile: str | None = None,
    env: Mapping[str, str] | None = None,
    *,
    allow_new_profile: bool = False,
) -> Settings:
    """Resolve the settings of one profile; raises ConfigError with a one-line reason."""
    env = os.environ if env is None else env
    path = Path(config_path).expanduser() if config_path else paths.config_file()
    doc = read_document(path)
    profiles = _table(doc, "profiles", str(path))
    default = doc.get("default_profile", DEFAULT_PROFILE)
    name = profile or (default if isinstance(default, str) else DEFAULT_PROFILE)
    if profile and profile not in profiles and not allow_new_profile:
        known = ", ".join(sorted(profiles)) or "none"
        raise ConfigError(f"unknown profile {profile!r} in {path} (profiles: {known})")
    values: dict[str, Any] = {}
    _apply(values, _table(doc, "defaults", str(path)), f"{path} [defaults]")
    _apply(values, _table(profiles, name, str(path)), f"{path} [profiles.{name}]")
    env_values = {key: env[var] for var, key in ENV_VARS.items() if env.get(var)}
    _apply(values, env_values, "environment")
    return Settings(profile=name, config_path=path, warnings=_permission_warnings(path), **values)


def save_profile(config_path: Path | None, profile: str, values: Mapping[str, Any]) -> Path:
    """Set keys of one profile in the file, keeping everything else (comments included)."""
    import tomlkit

    path = Path(config_path).expanduser() if config_path else paths.config_file()
    doc = read_document(path)
    if "profiles" not in doc:
        doc["profiles"] = tomlkit.table(is_super_table=True)
    profiles = doc["profiles"]
    if profile not in profiles:
        profiles[profile] = tomlkit.table()
    table = profiles[profile]
    for key, value in values.items():
        if key not in _KEYS:
            raise ConfigError(f"unknown key {key!r}")
        if value is None:
            table.pop(key, None)
            continue
        plain = value.reveal() if isinstance(value, Secret) else value
        _KEYS[key][1](plain, key)  # validate before anything is written
        table[key] = plain
    write_private(path, tomlkit.dumps(doc))
    return path


def write_private(path: Path, text: str) -> None:
    """Write a file atomically, readable by its owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
