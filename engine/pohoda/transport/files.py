"""POHODA XML files in folders: an outbox for dataPacks, an inbox for responsePacks.

The hand-over the CRM's own export uses (R-E1, R-E3): a business case is
written as one ``.xph`` file, a list of them as one ``.xml`` file, the file
name carrying the business-case code; whoever runs POHODA imports them
(Soubor → Datová komunikace → XML import/export) and leaves the responsePack
files in the inbox. Every file appears atomically (temp file + rename), so
POHODA or a sync tool never picks up half a file.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Iterator, Sequence

from engine import xmlsafe
from engine.pohoda import responses
from engine.pohoda.transport import Health, TransportError

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(text: str, *, limit: int = 80) -> str:
    """A file-name part from a business-case code: ASCII, no separators, no leading dot."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    cleaned = _UNSAFE.sub("-", ascii_text).strip("-.") or "pack"
    return cleaned[:limit]


def atomic_write(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see either nothing or the whole file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


class FileTransport:
    kind = "files"

    def __init__(self, outbox: str | Path, inbox: str | Path | None = None, *, prefix: str = "",
                 max_response_bytes: int = xmlsafe.DEFAULT_MAX_BYTES) -> None:
        self.outbox = Path(outbox)
        self.inbox = Path(inbox) if inbox else None
        self.prefix = prefix
        self.max_response_bytes = max_response_bytes

    def file_name(self, codes: Sequence[str], *, as_list: bool | None = None) -> str:
        """``<code>.xph`` for one business case, ``<first>_<last>_<n>.xml`` for a list (R-E1).

        ``as_list=True`` names a list export that happens to hold one business case
        ``<code>.xml`` (the CRM exports a list view as ``.xml`` whatever its length).
        """
        if not codes:
            raise TransportError("name the business case(s) the file carries (their codes go into the file name)")
        if len(codes) == 1:
            return f"{self.prefix}{safe_name(codes[0])}.{'xml' if as_list else 'xph'}"
        first, last = safe_name(codes[0], limit=40), safe_name(codes[-1], limit=40)
        return f"{self.prefix}{first}_{last}_{len(codes)}.xml"

    def write(self, pack: bytes, *, codes: Sequence[str], as_list: bool | None = None) -> Path:
        """Put a dataPack into the outbox under a name carrying the business-case code(s)."""
        return atomic_write(self.outbox / self.file_name(list(codes), as_list=as_list), pack)

    # -- PohodaTransport ----------------------------------------------------
    def submit(self, pack: bytes, *, codes: Sequence[str] | None = None) -> None:
        """Write the dataPack; POHODA answers later, through the inbox (so: ``None``)."""
        if codes is None:
            codes = [xmlsafe.parse_bytes(pack, what="dataPack").get("id") or "pack"]
        self.write(pack, codes=codes)
        return None

    def responses(self) -> Iterator[tuple[Path, responses.ResponsePack]]:
        """The responsePack files POHODA left in the inbox, oldest first (R-E3)."""
        if self.inbox is None:
            raise TransportError("this file transport has no inbox folder configured")
        if not self.inbox.is_dir():
            return
        files = sorted((p for p in self.inbox.iterdir() if p.is_file() and p.suffix.lower() == ".xml"),
                       key=lambda p: (p.stat().st_mtime, p.name))
        for path in files:
            if path.stat().st_size > self.max_response_bytes:
                raise TransportError(f"{path} is over the size limit of {self.max_response_bytes:,} bytes")
            try:
                pack = responses.parse_response_pack(path.read_bytes(), max_bytes=self.max_response_bytes)
            except (responses.ResponseError, xmlsafe.UnsafeXmlError) as exc:
                raise TransportError(f"{path}: {exc.message}") from None
            yield path, pack

    def done(self, path: Path) -> Path:
        """Move a processed response file into ``inbox/done/`` so it is read once."""
        target = path.parent / "done" / path.name
        target.parent.mkdir(exist_ok=True)
        os.replace(path, target)
        return target

    def health(self) -> Health:
        problems = []
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            probe = atomic_write(self.outbox / ".rpsync-probe", b"")
            probe.unlink()
        except OSError as exc:
            problems.append(f"outbox {self.outbox} is not writable: {exc.strerror}")
        if self.inbox is not None and not self.inbox.is_dir():
            problems.append(f"inbox {self.inbox} does not exist")
        if problems:
            return Health(False, "; ".join(problems))
        return Health(True, f"outbox {self.outbox}" + (f", inbox {self.inbox}" if self.inbox else ""))

    def close(self) -> None:
        pass
