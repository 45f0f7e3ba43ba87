"""Kubernetes values: quantities, names, label keys and values, label sets and label selectors; and the plain
values a property draws besides objects (`integers`, `booleans`, `sampled`).

Every strategy starts from the plainest value (`web`, `app`, `500m`) so that a shrunk counterexample reads
like a hand-written manifest; the odd-but-valid spellings come from the same amounts, written another way.

Strategies are built once (module constants, `functools.cache`) and the pieces of bigger values are drawn
by plain functions taking `draw` (`spell`, `selector_of`): building a strategy object per draw costs more
than the draw itself, and the object strategies draw thousands of these.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from hypothesis import strategies as st

from ..k8s.quantity import Quantity
from .choices import some

MI = 1024**2
GI = 1024**3
_BINARY = (("Ei", 1024**6), ("Pi", 1024**5), ("Ti", 1024**4), ("Gi", GI), ("Mi", MI), ("Ki", 1024))
_DECIMAL = (("E", 10**18), ("P", 10**15), ("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3))
RESOURCES = ("cpu", "memory", "storage")


# --- quantities ---------------------------------------------------------------------------------
# Amounts come from short lists, round ones first: one draw each, and the same amounts turn up again
# and again, so that equal values (where boundary bugs hide) are common.
# A few cpu amounts are below a millicore's precision (1.5m is 1500u, 0.0015): LimitRanger compares
# MilliValues, which round them up, and quota adds them exactly. They come last (never a shrunk value's
# choice unless the failure needs one), and four of them are whole millicores: a quota holds four.
SUB_MILLI = (Decimal("1.5"), Decimal("0.5"), Decimal("2.25"), Decimal("1000.5"))
_AMOUNTS: dict[str, tuple[int | Decimal, ...]] = {  # in each resource's base unit: millicores for cpu, bytes
    "cpu": (100, 500, 1000, 250, 2000, 50, 1500, 4000, 1, 10, 125, 333, 750, 1234, 2500, 3001, 7999, 8000,
            *SUB_MILLI),
    "memory": (128 * MI, 256 * MI, GI, 512 * MI, 2 * GI, 64 * MI, 1536 * MI, 4 * GI, 8 * GI, MI, 100 * MI,
               300 * MI, 1000 * MI, 2560 * MI, 512 * 1024, 10**8, 5 * 10**8, 10**9, 2 * 10**9, 129 * 10**6,
               1500 * 10**6),
    "storage": (GI, 10 * GI, 5 * GI, 100 * GI, 512 * MI, 20 * GI, 10**9, 50 * 10**9, 10**11, 1536 * MI),
}
_AMOUNT_STRATEGIES = {resource: st.sampled_from(options) for resource, options in _AMOUNTS.items()}


def amounts(resource: str) -> st.SearchStrategy[int | Decimal]:
    """An amount of `resource` ("cpu": millicores up to 8 cores; "memory", "storage": bytes up to 8Gi and
    100Gi) in the range real manifests use: round amounts first, then odd ones (1m, 333m, 129e6 bytes),
    and last, for cpu, a few below a millicore's precision (a Decimal: 1.5 millicores, 0.5, 2.25, 1000.5);
    every other amount is an int."""
    return _AMOUNT_STRATEGIES[resource]


@lru_cache(maxsize=4096)  # amounts repeat (they come from short lists), but quota usage can be any number
def spellings(resource: str, amount: int | Decimal) -> tuple[str, ...]:
    """Every way this module writes `amount` of `resource`, all parsing to the same quantity, the
    canonical form (Quantity.String) first: millicores, fractions, exponents, micro units for cpu (an amount
    below a millicore's precision: micro units, a fraction of a core, a fraction of a millicore, `e-6`);
    binary and decimal suffixes, exponents, plain bytes and binary fractions for bytes."""
    if resource == "cpu":
        cores = Decimal(amount) / 1000
        if amount == int(amount):
            amount = int(amount)
            forms = [f"{amount}m", f"{cores.normalize():f}", f"{amount}e-3", f"{amount * 1000}u"]
        else:
            micro = int(amount * 1000)
            forms = [f"{micro}u", f"{cores.normalize():f}", f"{Decimal(amount).normalize():f}m", f"{micro}e-6"]
    else:
        forms = [f"{amount // size}{suffix}" for suffix, size in _BINARY + _DECIMAL if amount % size == 0]
        forms += [f"{amount // 10**e}e{e}" for e in (3, 6, 9) if amount % 10**e == 0]
        # Halves of Gi and Mi (0.5Mi, 7.5Gi): a MilliValue computed through a float is one too many on them.
        forms += [f"{Decimal(amount) / size}{suffix}" for suffix, size in _BINARY[3:5]
                  if amount % size and (amount * 2) % size == 0]
        forms.append(str(amount))
    canonical = str(Quantity.parse(forms[0]))
    return (canonical, *dict.fromkeys(f for f in forms if f != canonical))


def spell(draw: st.DrawFn, resource: str, amount: int | Decimal) -> str:
    """One spelling of `amount` (see `spellings`), drawn; shrinks to the canonical one."""
    forms = spellings(resource, amount)
    return forms[draw(st.integers(0, len(forms) - 1))]


@cache
def quantities(resource: str = "cpu") -> st.SearchStrategy[str]:
    """A quantity of "cpu", "memory" or "storage" as a manifest writes it: canonical (`500m`, `1Gi`) or
    odd but valid (`0.5`, `500e-3`, `500000u`, `1073741824`, `1.5Gi`, `2e9`, `1G`); now and then a cpu
    amount below a millicore's precision (`1500u`, `0.0015`, `1.5m`), which LimitRanger rounds up."""
    if resource not in _AMOUNTS:
        raise ValueError(f"quantities of {resource!r}: the resource is one of {', '.join(RESOURCES)}")
    return st.composite(lambda draw: spell(draw, resource, draw(_AMOUNT_STRATEGIES[resource])))()


# --- names --------------------------------------------------------------------------------------
# Names and labels come from vocabularies made once, simplest first: one draw each (a draw costs more
# than anything else here), and a shrunk name is a plain word. The vocabularies still hold what is odd
# but valid: digits first, double dashes, dots, underscores, capitals, and the longest name allowed.
_DNS_WORDS = ("web", "api", "db", "worker", "cache", "frontend", "backend", "a", "x1", "9", "v2", "0db")
_LONGEST_LABEL = "a" + "-b" * 31  # 63 characters


def _joined(words: tuple[str, ...], separators: tuple[str, ...]) -> tuple[str, ...]:
    """The words, then pairs of words (one of the first three, one of the rest) joined by each separator."""
    pairs = (a + sep + b for a, b in itertools.product(words[:3], words[6:]) for sep in separators)
    return tuple(dict.fromkeys((*words, *pairs)))


_DNS_LABELS = (*_joined(_DNS_WORDS, ("-", "", "--")), _LONGEST_LABEL)


@cache
def dns_labels(max_size: int = 63) -> st.SearchStrategy[str]:
    """A DNS-1123 label (lowercase alphanumerics and '-', alphanumeric at both ends, at most `max_size`,
    at most 63): a common name, words joined by '-', '--' or nothing (`x1-9`, `web--0db`), one of 63."""
    return st.sampled_from(tuple(n for n in _DNS_LABELS if len(n) <= max_size))


@cache
def dns1035_labels(max_size: int = 63) -> st.SearchStrategy[str]:
    """A DNS-1035 label (a DNS-1123 label that starts with a letter), as Service names must be."""
    return st.sampled_from(tuple(n for n in _DNS_LABELS if len(n) <= max_size and n[0].isalpha()))


_SUBDOMAIN_NAMES = (*_DNS_LABELS[:20], *(f"{a}.{b}" for a in _DNS_WORDS[:4] for b in ("example.com", "io", "x1")),
                    "a.b.c", "9.web--x1.0db")
_SUBDOMAINS = st.sampled_from(_SUBDOMAIN_NAMES)


def dns_subdomains() -> st.SearchStrategy[str]:
    """A DNS-1123 subdomain: one to three DNS-1123 labels joined by dots."""
    return _SUBDOMAINS


_NAMESPACES = st.sampled_from(("default", "prod", "dev", "team-a", *_DNS_LABELS[1:20]))


def namespace_names() -> st.SearchStrategy[str]:
    """A namespace name (a DNS-1123 label), `default` first."""
    return _NAMESPACES


# --- labels -------------------------------------------------------------------------------------
_NAME_WORDS = ("web", "api", "a", "Tier", "x", "9", "v1", "Blue", "z0")
_LABEL_NAMES = (*_joined(_NAME_WORDS, ("-", "_", ".", "")), "x" * 63)
_LABEL_KEYS = st.sampled_from(("app", "tier", "env", "version", "app.kubernetes.io/name", "example.com/team",
                               *_LABEL_NAMES[1:], *(f"{p}/{n}" for p in _SUBDOMAIN_NAMES[::6] for n in
                                                    _LABEL_NAMES[::6])))
_LABEL_VALUES = st.sampled_from(("web", "api", "prod", "", "v1.2", "Blue_Green", "db", *_LABEL_NAMES[2:]))


def label_keys() -> st.SearchStrategy[str]:
    """A label key: a common one, a bare name (`Tier_9`), or a name under a DNS subdomain prefix
    (`web.io/Blue-9`)."""
    return _LABEL_KEYS


def label_values() -> st.SearchStrategy[str]:
    """A label value: empty, or alphanumeric at both ends with '-', '_', '.' inside, at most 63."""
    return _LABEL_VALUES


@cache
def label_sets(min_size: int = 0, max_size: int = 4) -> st.SearchStrategy[dict[str, str]]:
    """A map of labels (keys with and without prefix, values possibly empty), `min_size`-`max_size` of them."""
    return st.dictionaries(_LABEL_KEYS, _LABEL_VALUES, min_size=min_size, max_size=max_size)


# --- selectors ----------------------------------------------------------------------------------
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
_VALUE_LISTS = st.lists(_LABEL_VALUES, min_size=1, max_size=3, unique=True)
_OTHER_VALUES = st.lists(_LABEL_VALUES, max_size=2, unique=True)


def _expression(draw: st.DrawFn) -> dict[str, Any]:
    """A matchExpressions entry: In and NotIn with 1-3 distinct values, Exists and DoesNotExist with none."""
    operator = draw(st.sampled_from(OPERATORS))
    out: dict[str, Any] = {"key": draw(_LABEL_KEYS), "operator": operator}
    if operator in ("In", "NotIn"):
        out["values"] = draw(_VALUE_LISTS)
    return out


def _holding(draw: st.DrawFn, key: str, labels: dict[str, str]) -> dict[str, Any]:
    """An expression on `key` that `labels` satisfy: Exists, In with its value, NotIn without it."""
    operator = draw(st.sampled_from(("In", "Exists", "NotIn")))
    if operator == "Exists":
        return {"key": key, "operator": "Exists"}
    others = [v for v in draw(_OTHER_VALUES) if v != labels[key]]
    if operator == "In":
        return {"key": key, "operator": "In", "values": [labels[key], *others]}
    return {"key": key, "operator": "NotIn", "values": others or ["other" if labels[key] != "other" else "none"]}


def selector_of(draw: st.DrawFn, labels: dict[str, str] | None = None) -> dict[str, Any]:
    """Draw a selector (see `selectors`) without building a strategy for it."""
    out: dict[str, Any] = {}
    if labels is None:
        match = draw(label_sets(max_size=2))
        exprs = [_expression(draw) for _ in range(draw(st.integers(0, 2)))]
        exprs = list({e["key"]: e for e in exprs if e["key"] not in match}.values())
    else:
        match = {k: v for k, v in labels.items() if draw(st.booleans())}
        exprs = [_holding(draw, k, labels) for k in some(draw, sorted(labels), 2)]
        absent = draw(_LABEL_KEYS)
        if draw(st.booleans()) and absent not in labels:
            exprs.append({"key": absent, "operator": "DoesNotExist"})
    if match:
        out["matchLabels"] = match
    if exprs:
        out["matchExpressions"] = exprs
    return out


@st.composite
def selectors(draw: st.DrawFn, labels: dict[str, str] | None = None) -> dict[str, Any]:
    """A LabelSelector in map form: matchLabels, matchExpressions of each operator (In, NotIn, Exists,
    DoesNotExist), both, or neither (the empty selector, which selects everything). Given `labels`, it
    selects them: its matchLabels are some of them and each expression holds on them."""
    return selector_of(draw, labels)


def _requirement_text(draw: st.DrawFn) -> str:
    key = draw(_LABEL_KEYS)
    form = draw(st.sampled_from(("=", "in", "notin", "exists", "!", "==", "!=")))
    if form in ("exists", "!"):
        return key if form == "exists" else "!" + key
    if form in ("in", "notin"):
        return f"{key} {form} ({','.join(draw(_VALUE_LISTS))})"
    return f"{key}{form}{draw(_LABEL_VALUES)}"


@st.composite
def selector_strings(draw: st.DrawFn) -> str:
    """A label selector in string form (`app=web,tier in (a,b),!legacy`), 0-3 requirements, each written
    one of the ways kubectl's -l accepts: =, ==, !=, in, notin, exists, !key."""
    return ",".join(_requirement_text(draw) for _ in range(draw(st.integers(0, 3))))


# --- plain values -------------------------------------------------------------------------------
INT64 = (-(2**63), 2**63 - 1)  # the rule language's ints


@cache
def integers(min: int = INT64[0], max: int = INT64[1]) -> st.SearchStrategy[int]:
    """An int from `min` to `max`, both included (default: any int64); shrinks toward 0, or toward the
    bound nearest to it when 0 is out of range. For exit codes, counts, seconds of a back-off window."""
    for name, bound in (("min", min), ("max", max)):
        if type(bound) is not int or not INT64[0] <= bound <= INT64[1]:
            raise ValueError(f"{name} must be an int64, not {bound!r}")
    if min > max:
        raise ValueError(f"min ({min}) is greater than max ({max})")
    return st.integers(min, max)


_BOOLEANS = st.booleans()


def booleans() -> st.SearchStrategy[bool]:
    """true or false; shrinks to false. For option flags."""
    return _BOOLEANS


def sampled(values: Sequence[Any]) -> st.SearchStrategy[Any]:
    """One of `values` (a list, not empty), each about as often; shrinks to the first. For restart
    policies, exit codes, feature gates: the cases a check would otherwise list itself."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise ValueError(f"values must be a list, not {type(values).__name__}")
    if not values:
        raise ValueError("values is empty: there is nothing to draw")
    return st.sampled_from(tuple(values))
