"""Open the two systems a sync talks to, from a connection profile (or a sandbox)."""

from __future__ import annotations

from engine.errors import ConfigError
from engine.mapping.model import Mapping as MappingModel
from engine.pohoda.transport.mserver import MServerTransport
from engine.profile import Profile
from engine.raynet.client import RaynetClient
from engine.raynet.entities import RaynetApi
from engine.sync.pack_archive import PackArchive
from engine.sync.pohoda_gateway import PohodaGateway
from engine.sync.runner import renderer_for


def raynet_from_profile(profile: Profile) -> RaynetApi:
    rn = profile.raynet
    client = RaynetClient(
        rn.url, login=rn.user, api_key=rn.api_key, instance=rn.instance, bearer=rn.token,
        budget=rn.request_budget, reserve=rn.reserve, timeout=rn.timeout,
    )
    return RaynetApi(client)


def pohoda_from_profile(profile: Profile, mapping: MappingModel) -> PohodaGateway:
    ph = profile.pohoda
    if ph.transport != "mserver":
        raise ConfigError(
            f"`rpsync run` reads and writes POHODA through mServer; the profile's transport is {ph.transport}",
            hint="use `rpsync export` to hand POHODA files over (R-E1, R-E3), or configure an mServer",
        )
    transport = MServerTransport(ph.url, user=ph.user, password=ph.password, application=ph.application,
                                 timeout=ph.timeout, batch_size=ph.batch_size)
    archive = PackArchive(ph.sent_packs) if ph.sent_packs else None
    return PohodaGateway(transport, ico=ph.ico, year=ph.year, renderer=renderer_for(mapping),
                         batch_size=ph.batch_size, archive=archive)
