"""Street outreach: teams that meet people sleeping outdoors.

Each outreach service makes contacts at a Poisson rate (``contacts`` per day); each contact meets one client
drawn uniformly among those outdoors at that moment (none outdoors: the contact is lost). The worker may
convince the client to ask for a bed (``offers_shelter``: an avoidant client starts using shelters, a client
in a gap asks at once), and refers the client's open needs like any contact.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import Any

from simulator.config.schema import Outreach
from simulator.engine.clients import Client
from simulator.engine.context import Context
from simulator.engine.locations import Whereabouts
from simulator.engine.shelter_use import Contact
from simulator.engine.shelters import ShelterSystem


def outreach(ctx: Context, name: str, spec: Outreach, clients: Mapping[int, Client], whereabouts: Whereabouts,
             shelters: ShelterSystem | None, contact: Contact) -> Generator[Any, Any, None]:
    """The contacts of one outreach service, until the horizon."""
    env = ctx.env
    stream = ctx.streams[f"outreach:{name}"]
    if spec.contacts <= 0:
        return
    outdoors = whereabouts.outdoors_ids
    while True:
        yield env.timeout(stream.std_exponential() / spec.contacts)
        if not outdoors:
            continue
        client = clients[outdoors[int(stream.uniform() * len(outdoors))]]
        if env.now >= ctx.warmup:
            ctx.counters["outreach_contacts"] += 1
        if ctx.log_events:
            ctx.log(client, "outreach_contact", name, "", "", "")
        process = client.shelter_process
        if spec.offers_shelter > 0 and stream.uniform() < spec.offers_shelter and process is not None \
                and process.is_alive and shelters is not None and client.id not in shelters.line:
            process.interrupt("seek")  # (a shelter process exists only where there are shelters)
        contact(client, name)
