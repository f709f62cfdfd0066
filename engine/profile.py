"""Connection profiles: where a sync connects and with which credentials (R-G8).

A profile is an operator's file (TOML or YAML), kept outside the mapping:

```toml
[raynet]
url = "https://app.raynet.cz/api/v2/"
instance = "acme"
user = "sync@acme.cz"
api_key = "${env:RAYNET_API_KEY}"     # or: token = "${env:RAYNET_TOKEN}"
request_budget = 20000                # requests this run may spend at most
reserve = 2000                        # left for people and other integrations

[pohoda]
transport = "mserver"                 # mserver | files | database
url = "http://127.0.0.1:444"
user = "sync"
password = "${env:POHODA_PASSWORD}"
ico = "12345678"                      # the accounting unit this sync is bound to (R-G1)
year = 2026
xsd_dir = "/opt/pohoda/xsd"           # optional: validate every dataPack before sending
sent_packs = "packs"                  # optional: keep a copy of every dataPack sent to write, and its answer

[state]
path = "state/acme.sqlite"
```

Secret settings (``api_key``, ``token``, ``password``, ``odbc``) must be
``${env:NAME}`` references: a literal secret in a file is refused, so that no
credential is ever committed. Values are resolved when the profile is loaded;
secrets become ``engine.secrets.Secret``.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from engine.errors import ConfigError
from engine.secrets import Secret

_ENV_REF = re.compile(r"^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$")
_SECRET_KEYS = {"api_key", "token", "password", "odbc"}
TRANSPORTS = ("mserver", "files", "database")


@dataclass(frozen=True)
class RaynetProfile:
    url: str
    instance: str | None
    user: str | None
    api_key: Secret | None
    token: Secret | None
    request_budget: int | None = None
    reserve: int = 0
    timeout: float = 30.0


@dataclass(frozen=True)
class PohodaProfile:
    transport: str
    ico: str
    year: int | None = None
    url: str | None = None
    user: str | None = None
    password: Secret | None = None
    application: str = "rpsync"
    batch_size: int = 100
    timeout: float = 120.0
    outbox: Path | None = None
    inbox: Path | None = None
    odbc: Secret | None = None
    xsd_dir: Path | None = None
    sent_packs: Path | None = None


@dataclass(frozen=True)
class Profile:
    path: Path | None
    raynet: RaynetProfile
    pohoda: PohodaProfile
    state_path: Path
    extra: Mapping[str, Any] = field(default_factory=dict)


def _where(path: Path | None, key: str) -> str:
    return f"{path}: [{key}]" if path else f"[{key}]"


def _resolve(value: Any, key: str, section: str, path: Path | None, env: Mapping[str, str]) -> Any:
    if not isinstance(value, str):
        if key in _SECRET_KEYS:
            raise ConfigError(f"{_where(path, section)} {key} must be a ${{env:NAME}} reference")
        return value
    m = _ENV_REF.match(value.strip())
    if m:
        name = m.group(1)
        if name not in env:
            raise ConfigError(
                f"{_where(path, section)} {key} refers to the environment variable {name}, which is not set",
                hint=f"export {name}=… in the service's environment before running rpsync",
            )
        resolved = env[name]
        return Secret(resolved) if key in _SECRET_KEYS else resolved
    if "${" in value:
        raise ConfigError(
            f"{_where(path, section)} {key}: only whole-value references of the form ${{env:NAME}} are supported"
        )
    if key in _SECRET_KEYS:
        raise ConfigError(
            f"{_where(path, section)} {key} holds a literal secret; profiles may only refer to secrets",
            hint=f'write {key} = "${{env:NAME}}" and set NAME in the environment of the rpsync service',
        )
    return value


def _section(data: Mapping[str, Any], name: str, path: Path | None, env: Mapping[str, str]) -> dict[str, Any]:
    raw = data.get(name)
    if raw is None:
        raise ConfigError(f"{path or 'profile'}: the [{name}] section is missing")
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{_where(path, name)} must be a table of settings")
    return {k: _resolve(v, k, name, path, env) for k, v in raw.items()}


def _known(section: dict[str, Any], allowed: set[str], name: str, path: Path | None) -> None:
    unknown = sorted(set(section) - allowed)
    if unknown:
        import difflib

        hints = [difflib.get_close_matches(u, sorted(allowed), n=1) for u in unknown]
        msg = ", ".join(f"{u} (did you mean {h[0]}?)" if h else u for u, h in zip(unknown, hints))
        raise ConfigError(f"{_where(path, name)} has unknown settings: {msg}")


def _int(section: dict[str, Any], key: str, name: str, path: Path | None, default=None):
    value = section.get(key, default)
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{_where(path, name)} {key} must be a whole number, got {value!r}") from None


def parse_profile(data: Mapping[str, Any], *, path: Path | None = None,
                  env: Mapping[str, str] | None = None) -> Profile:
    env = os.environ if env is None else env
    base = path.parent if path else Path.cwd()

    def rel(value: Any) -> Path | None:
        if value in (None, ""):
            return None
        p = Path(str(value)).expanduser()
        return p if p.is_absolute() else base / p

    rn = _section(data, "raynet", path, env)
    _known(rn, {"url", "instance", "user", "api_key", "token", "request_budget", "reserve", "timeout"},
           "raynet", path)
    if not rn.get("url"):
        raise ConfigError(f"{_where(path, 'raynet')} url is required (e.g. https://app.raynet.cz/api/v2/)")
    if not rn.get("token") and not (rn.get("user") and rn.get("api_key") and rn.get("instance")):
        raise ConfigError(
            f"{_where(path, 'raynet')} needs either token, or user + api_key + instance",
        )
    raynet = RaynetProfile(
        url=str(rn["url"]), instance=rn.get("instance"), user=rn.get("user"),
        api_key=rn.get("api_key"), token=rn.get("token"),
        request_budget=_int(rn, "request_budget", "raynet", path),
        reserve=_int(rn, "reserve", "raynet", path, 0) or 0,
        timeout=float(rn.get("timeout", 30.0)),
    )

    ph = _section(data, "pohoda", path, env)
    _known(ph, {"transport", "ico", "year", "url", "user", "password", "application", "batch_size", "timeout",
                "outbox", "inbox", "odbc", "xsd_dir", "sent_packs"}, "pohoda", path)
    transport = ph.get("transport", "mserver")
    if transport not in TRANSPORTS:
        raise ConfigError(f"{_where(path, 'pohoda')} transport must be one of {', '.join(TRANSPORTS)}; "
                          f"got {transport!r}")
    ico = str(ph.get("ico") or "").strip()
    if not re.fullmatch(r"\d{6,15}", ico):
        raise ConfigError(f"{_where(path, 'pohoda')} ico must be the accounting unit's IČ (digits); got {ico!r}")
    if transport == "mserver" and not (ph.get("url") and ph.get("user") and ph.get("password")):
        raise ConfigError(f"{_where(path, 'pohoda')} the mserver transport needs url, user and password")
    if transport == "files" and not ph.get("outbox"):
        raise ConfigError(f"{_where(path, 'pohoda')} the files transport needs an outbox folder")
    if transport == "database" and not ph.get("odbc"):
        raise ConfigError(f"{_where(path, 'pohoda')} the database transport needs odbc (a ${{env:…}} reference)")
    pohoda = PohodaProfile(
        transport=transport, ico=ico, year=_int(ph, "year", "pohoda", path), url=ph.get("url"),
        user=ph.get("user"), password=ph.get("password"), application=str(ph.get("application", "rpsync")),
        batch_size=_int(ph, "batch_size", "pohoda", path, 100), timeout=float(ph.get("timeout", 120.0)),
        outbox=rel(ph.get("outbox")), inbox=rel(ph.get("inbox")), odbc=ph.get("odbc"),
        xsd_dir=rel(ph.get("xsd_dir")), sent_packs=rel(ph.get("sent_packs")),
    )

    st = data.get("state") or {}
    if not isinstance(st, Mapping):
        raise ConfigError(f"{_where(path, 'state')} must be a table of settings")
    state_path = rel(st.get("path")) or base / "rpsync-state.sqlite"
    extra = {k: v for k, v in data.items() if k not in {"raynet", "pohoda", "state"}}
    return Profile(path=path, raynet=raynet, pohoda=pohoda, state_path=state_path, extra=extra)


def load_profile(path: str | os.PathLike, *, env: Mapping[str, str] | None = None) -> Profile:
    """Read a TOML (``.toml``) or YAML (``.yaml``/``.yml``) profile file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the profile {p}: {exc.strerror}") from None
    try:
        if p.suffix.lower() == ".toml":
            data = tomllib.loads(text)
        elif p.suffix.lower() in {".yaml", ".yml"}:
            from ruamel.yaml import YAML

            data = YAML(typ="safe").load(text) or {}
        else:
            raise ConfigError(f"{p}: a profile must be a .toml or .yaml file")
    except ConfigError:
        raise
    except Exception as exc:  # tomllib.TOMLDecodeError, ruamel YAMLError
        raise ConfigError(f"{p}: the profile cannot be parsed: {exc}") from None
    if not isinstance(data, Mapping):
        raise ConfigError(f"{p}: a profile must be a table of sections")
    return parse_profile(data, path=p.resolve(), env=env)
