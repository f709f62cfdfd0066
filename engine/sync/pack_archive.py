"""A folder keeping a copy of every dataPack the engine sends to POHODA to write, with POHODA's answer.

Operators switch it on in the connection profile (``[pohoda] sent_packs =
"packs"``); ``rpsync demo`` always does. Each pack is saved *before* it is sent
(so a pack whose answer was lost is still on disk) as
``NNNN-<dataPack id>.xml``, byte for byte (Windows-1250, as sent), and the
responsePack that came back as ``NNNN-<dataPack id>.response.xml``. Numbers
continue across runs. List (read) requests are not kept: they change nothing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_PACK_ID = re.compile(rb"<dat:dataPack\b[^>]*?\bid=\"([^\"]*)\"")
_NUMBERED = re.compile(r"^(\d{4,})-")


class PackArchive:
    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        # streamed: the folder keeps every pack of every run (100 000 files after the scale bench's first sync;
        # a list of them all raised a run's start-up memory by 14 MB)
        with os.scandir(self.folder) as entries:
            self._next = max((int(m.group(1)) for e in entries if (m := _NUMBERED.match(e.name))), default=0) + 1

    def sent(self, pack: bytes) -> Path:
        """Save a dataPack about to be sent; returns its path (pass it to ``answered``)."""
        match = _PACK_ID.search(pack[:4096])
        pack_id = re.sub(r"[^A-Za-z0-9._-]", "_", match.group(1).decode("ascii", "replace")) if match else "pack"
        path = self.folder / f"{self._next:04d}-{pack_id}.xml"
        self._next += 1
        _write_atomically(path, pack)
        return path

    def answered(self, sent_path: Path, answer: bytes) -> Path:
        path = sent_path.with_name(sent_path.name[: -len(".xml")] + ".response.xml")
        _write_atomically(path, answer)
        return path

    def packs(self) -> list[Path]:
        """The saved dataPacks (not the answers), oldest first."""
        return sorted(p for p in self.folder.glob("*.xml") if not p.name.endswith(".response.xml"))


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
