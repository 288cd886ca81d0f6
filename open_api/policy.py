"""What the gateway checks per app before a call runs — its rate limit on each endpoint and
its IP allow-list (open_api.models.RateLimit, AllowedNetwork) — held in each web process.

A `Policy` is trusted only while the app's credentials generation (apps_services/
credentials.py) is the one it was read under, as the credentials are: the generation comes
in the round trip that counts the call, so a warm call reads nothing. Every edit of a rate
limit or an allow-list calls `credentials.changed()` for the apps it affects, and every
process rereads on its very next call. Reading costs one query (both tables, one UNION).

With the cache unreachable there is no generation to trust. Rather than add a query to every
call of an outage (when every call already reads the database), a policy read less than
OUTAGE_REUSE seconds ago is used again: during an outage an edit takes up to that long.
"""

import ipaddress
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import CharField, IntegerField, Q, Value

from .models import DEFAULT_PER_SECOND, AllowedNetwork, RateLimit

# Bounds the memory a process spends, as apps_services.credentials does.
MAX_ENTRIES = 10_000
OUTAGE_REUSE = 5.0  # seconds

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Policy:
    generation: str
    limits: Mapping[str, int] = field(default_factory=dict)  # endpoint key → per second
    networks: tuple[Network, ...] = ()  # empty: calls may come from anywhere
    read_at: float = 0.0  # time.monotonic() when read

    def per_second(self, endpoint_key: str | None) -> int:
        if endpoint_key is None:
            return DEFAULT_PER_SECOND
        return self.limits.get(endpoint_key, DEFAULT_PER_SECOND)

    def allows(self, address: str) -> bool:
        """Whether a call from `address` may run: always, when the list is empty."""
        if not self.networks:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:  # no usable address: it cannot be on the list
            return False
        if ip.version == 6 and ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d is a.b.c.d
            ip = ip.ipv4_mapped
        return any(ip in network for network in self.networks)


_held: dict[str, Policy] = {}


def read(app_key: str, *, generation: str) -> Policy:
    """From the database: the endpoints' rates for every app, this app's overrides and its
    allow-list, in one query."""
    text: CharField = CharField()
    number: IntegerField = IntegerField()
    limits = RateLimit.objects.filter(Q(app=None) | Q(app__app_key=app_key)).values_list(
        Value("limit", output_field=text), "endpoint", "per_second", "app_id"
    )
    networks = AllowedNetwork.objects.filter(app__app_key=app_key).values_list(
        Value("network", output_field=text), "network", Value(0, output_field=number), "app_id"
    )
    rates: dict[str, int] = {}
    overrides: dict[str, int] = {}
    allowed: list[Network] = []
    for kind, value, per_second, app_id in limits.order_by().union(networks.order_by(), all=True):
        if kind == "network":
            allowed.append(ipaddress.ip_network(value, strict=False))
        elif app_id is None:
            rates[value] = per_second
        else:
            overrides[value] = per_second
    return Policy(
        generation=generation,
        limits=rates | overrides,
        networks=tuple(allowed),
        read_at=time.monotonic(),
    )


def lookup(app_key: str, *, generation: str, cache_down: bool = False) -> Policy:
    """The app's policy under `generation` (the app's current one). `cache_down`: the
    cache could not be reached, so `generation` was drawn for this call alone."""
    held = _held.get(app_key)
    if held is not None and (
        held.generation == generation
        or (cache_down and time.monotonic() - held.read_at < OUTAGE_REUSE)
    ):
        return held
    policy = read(app_key, generation=generation)
    if len(_held) >= MAX_ENTRIES:
        _held.clear()
    _held[app_key] = policy
    return policy


def forget_all() -> None:
    """Drop what this process holds (tests start afresh)."""
    _held.clear()
