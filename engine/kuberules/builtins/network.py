"""IP addresses and CIDR blocks, for rules about NetworkPolicy ipBlocks.

Named after Kubernetes' CEL network library (`isCIDR`, `isIP`, containment),
written as functions over strings; the standard library's ipaddress does the work.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from ..errors import EvalError
from . import function


@lru_cache(maxsize=4096)
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@function("isCIDR", ("string",), "bool")
def is_cidr(text: str) -> bool:
    return type(text) is str and "/" in text and _network(text) is not None


@function("isIP", ("string",), "bool")
def is_ip(text: str) -> bool:
    return type(text) is str and _address(text) is not None


@function("cidrContains", ("string", "string"), "bool")
def cidr_contains(cidr: str, ip: str) -> bool:
    """Whether the address is in the block (an address of the other family is not)."""
    network = _network(cidr) if type(cidr) is str and "/" in cidr else None
    if network is None:
        raise EvalError("invalid_argument", f"cidrContains: {cidr!r} is not a CIDR block")
    address = _address(ip) if type(ip) is str else None
    if address is None:
        raise EvalError("invalid_argument", f"cidrContains: {ip!r} is not an IP address")
    return address.version == network.version and address in network
