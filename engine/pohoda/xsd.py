"""POHODA's XSD set: where it is, fetching it, and validating documents against it.

The schema files are STORMWARE's (``all_schema_ver2.zip``); rpsync never ships
them. A connection profile may name a folder; otherwise ``RPSYNC_POHODA_XSD``;
otherwise the cache that ``fetch()`` fills. Without a folder, XSD checks are off
(callers say so).

    v = Validator.for_dir(find_xsd_dir())
    errors = v.validate(xml_bytes)   # [] when valid; readable messages otherwise
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import threading
import zipfile
from pathlib import Path

from lxml import etree

from engine import xmlsafe
from engine.errors import RpsyncError

ENV_VAR = "RPSYNC_POHODA_XSD"
STORMWARE_URL = "https://www.stormware.cz/xml/schema/all_schema_ver2.zip"
_NS_BASE = "http://www.stormware.cz/schema/version_2/"
#: largest zip we accept from the download (the 2025 set is well under 1 MB)
_MAX_ZIP = 20 * 1024 * 1024


class XsdError(RpsyncError):
    code = "E-POHODA-XSD"


def default_cache_dir() -> Path:
    base = os.environ.get("RPSYNC_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    sub = "" if os.environ.get("RPSYNC_CACHE_DIR") else "rpsync"
    return Path(base) / sub / "pohoda-xsd" if sub else Path(base) / "pohoda-xsd"


def is_xsd_dir(path: Path | str | None) -> bool:
    return path is not None and (Path(path) / "data.xsd").is_file() and (Path(path) / "response.xsd").is_file()


def find_xsd_dir(configured: str | Path | None = None) -> Path | None:
    """The XSD folder: the profile's setting, else ``$RPSYNC_POHODA_XSD``, else the fetch cache.

    A configured folder that lacks ``data.xsd``/``response.xsd`` is an error (the
    user asked for it); a missing env/cache folder just means "none".
    """
    if configured:
        path = Path(configured).expanduser()
        if not is_xsd_dir(path):
            raise XsdError(
                f"the POHODA XSD folder {path} has no data.xsd and response.xsd",
                hint="point pohoda.xsd_dir in the connection profile at the unpacked all_schema_ver2.zip, "
                "or run `rpsync pohoda fetch-xsd`",
            )
        return path
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env).expanduser()
        if not is_xsd_dir(path):
            raise XsdError(f"{ENV_VAR}={env} does not hold data.xsd and response.xsd")
        return path
    cache = default_cache_dir()
    return cache if is_xsd_dir(cache) else None


def extract_zip(data: bytes, dest: Path) -> Path:
    """Unpack the ``*.xsd`` members of STORMWARE's zip into ``dest`` (flat, atomically)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise XsdError("the downloaded XSD set is not a zip file") from None
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".xsd-", dir=dest.parent))
    try:
        count = 0
        for info in archive.infolist():
            name = Path(info.filename).name  # flat: never follow directories in member names
            if info.is_dir() or not name.lower().endswith(".xsd") or name.startswith("."):
                continue
            if info.file_size > _MAX_ZIP:
                raise XsdError(f"zip member {name} is implausibly large ({info.file_size} bytes)")
            (tmp / name).write_bytes(archive.read(info))
            count += 1
        if not is_xsd_dir(tmp):
            raise XsdError("the downloaded zip holds no data.xsd/response.xsd; is the URL right?")
        if dest.exists():
            shutil.rmtree(dest)
        tmp.rename(dest)
        return dest
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def fetch(dest: str | Path | None = None, *, url: str = STORMWARE_URL, timeout: float = 60.0) -> Path:
    """Download STORMWARE's published XSD set into ``dest`` (default: the user cache)."""
    import httpx

    dest = Path(dest) if dest else default_cache_dir()
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True) as client:
            response = client.get(url)
    except httpx.HTTPError as exc:
        raise XsdError(f"cannot download the POHODA XSD set from {url}: {exc}") from None
    if response.status_code != 200:
        raise XsdError(f"downloading the POHODA XSD set from {url} answered HTTP {response.status_code}")
    if len(response.content) > _MAX_ZIP:
        raise XsdError(f"the XSD set at {url} is over {_MAX_ZIP} bytes; refusing it")
    return extract_zip(response.content, dest)


_QNAME = re.compile(r"\{" + re.escape(_NS_BASE) + r"([A-Za-z_]+)\.xsd\}")
#: the prefixes STORMWARE uses in its documents, for readable messages
_PREFIX = {
    "data": "dat", "response": "rsp", "documentresponse": "rdc", "type": "typ", "filter": "ftr", "list": "lst",
    "list_addBook": "lAdb", "list_stock": "lStk", "list_contract": "lCon", "addressbook": "adb", "order": "ord",
    "offer": "ofr", "invoice": "inv", "contract": "con", "stock": "stk", "print": "prn",
}


def _readable(message: str) -> str:
    return _QNAME.sub(lambda m: _PREFIX.get(m.group(1), m.group(1)) + ":", message)


class Validator:
    """Compiled ``data.xsd`` (dataPack) and ``response.xsd`` (responsePack) of one folder."""

    _cache: dict[Path, "Validator"] = {}
    _cache_lock = threading.Lock()

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if not is_xsd_dir(self.folder):
            raise XsdError(f"{self.folder} holds no data.xsd and response.xsd")
        self._schemas: dict[str, etree.XMLSchema] = {}
        self._lock = threading.Lock()

    @classmethod
    def for_dir(cls, folder: str | Path) -> "Validator":
        """One shared validator per folder (schemas compile once per process)."""
        key = Path(folder).resolve()
        with cls._cache_lock:
            if key not in cls._cache:
                cls._cache[key] = cls(key)
            return cls._cache[key]

    def schema(self, entry: str) -> etree.XMLSchema:
        with self._lock:
            if entry not in self._schemas:
                parser = etree.XMLParser(no_network=True, resolve_entities=False)
                try:
                    doc = etree.parse(str(self.folder / f"{entry}.xsd"), parser)
                    self._schemas[entry] = etree.XMLSchema(doc)
                except (etree.XMLSchemaParseError, etree.XMLSyntaxError, OSError) as exc:
                    raise XsdError(f"cannot compile {self.folder / (entry + '.xsd')}: {exc}") from None
            return self._schemas[entry]

    def validate(self, document: bytes | etree._Element, *, max_bytes: int = xmlsafe.DEFAULT_MAX_BYTES) -> list[str]:
        """Validate a dataPack or responsePack; return readable errors ([] = valid)."""
        if isinstance(document, (bytes, bytearray)):
            try:
                root = xmlsafe.parse_bytes(bytes(document), max_bytes=max_bytes, what="POHODA XML")
            except xmlsafe.MalformedXmlError as exc:
                return [exc.message]
        else:
            root = document
        local = etree.QName(root).localname
        entry = {"dataPack": "data", "responsePack": "response"}.get(local)
        if entry is None:
            return [f"the root element is <{local}>; POHODA XML starts with <dat:dataPack> or <rsp:responsePack>"]
        schema = self.schema(entry)
        if schema.validate(root):
            return []
        return [f"line {e.line}: {_readable(e.message)}" for e in schema.error_log]
