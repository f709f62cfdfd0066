"""Fixtures for the POHODA simulator suites: a fresh sandbox per test, talked to over real HTTP."""

import datetime as dt

import pytest

from engine.pohoda import lists, render, responses
from engine.sandbox.pohoda import PohodaSandbox


class Clock:
    def __init__(self, start=dt.datetime(2025, 3, 1, 10, 0, 0)):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += dt.timedelta(**delta)


class Client:
    """Production client code (MServerTransport, render, responses, lists) against one sandbox."""

    def __init__(self, sandbox, validator):
        self.sandbox = sandbox
        self.validator = validator
        self.transport = sandbox.transport(batch_size=50)
        self._n = 0

    def raw(self, pack: bytes) -> bytes:
        answer = self.transport.submit(pack)
        assert self.validator.validate(answer) == [], answer.decode("cp1250")  # answers are response.xsd-valid
        return answer

    def send(self, *docs, pack_id=None, ico="12345678"):
        items = []
        for doc in docs:
            self._n += 1
            items.append(doc if isinstance(doc, render.PackItem) else render.PackItem(f"item-{self._n}", doc))
        pack = render.render_datapack(items, ico=ico, pack_id=pack_id)
        return responses.parse_response_pack(self.raw(pack))

    def one(self, doc, **kw):
        pack = self.send(doc, **kw)
        assert len(pack.items) == 1, pack
        return pack.items[0]

    def list(self, agenda, **kw):
        self._n += 1
        pack = render.render_datapack([render.PackItem(f"list-{self._n}", render.render_list_request(agenda, **kw))],
                                      ico="12345678")
        answer = self.raw(pack)
        return list(lists.iter_records(agenda if agenda not in ("payments",) else "issued_invoices", answer))


@pytest.fixture()
def clock():
    return Clock()


@pytest.fixture()
def sandbox(pohoda_xsd_dir, clock):
    with PohodaSandbox(xsd_dir=pohoda_xsd_dir, clock=clock) as sb:
        yield sb


@pytest.fixture()
def client(sandbox, pohoda_validator):
    c = Client(sandbox, pohoda_validator)
    yield c
    c.transport.close()


def subset(sent, got, path=""):
    """Every value that was sent comes back equal (POHODA adds ids, numbers and more)."""
    if isinstance(sent, dict):
        assert isinstance(got, dict), path
        for k, v in sent.items():
            assert k in got, f"{path}.{k} missing in {got}"
            subset(v, got[k], f"{path}.{k}")
    elif isinstance(sent, list):
        assert isinstance(got, list) and len(got) == len(sent), path
        for i, (a, b) in enumerate(zip(sent, got)):
            subset(a, b, f"{path}[{i}]")
    else:
        assert sent == got, f"{path}: sent {sent!r}, got {got!r}"
