"""Kubernetes values: quantities, names, label keys and values, label sets and label selectors.

Every strategy starts from the plainest value (`web`, `app`, `500m`) so that a shrunk counterexample reads
like a hand-written manifest; the odd-but-valid spellings come from the same amounts, written another way.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from ..k8s.quantity import Quantity

MI = 1024**2
GI = 1024**3
_BINARY = (("Ei", 1024**6), ("Pi", 1024**5), ("Ti", 1024**4), ("Gi", GI), ("Mi", MI), ("Ki", 1024))
_DECIMAL = (("E", 10**18), ("P", 10**15), ("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3))

# --- quantities ---------------------------------------------------------------------------------
_ROUND_AMOUNTS = {  # in each resource's base unit: millicores for cpu, bytes for the others
    "cpu": (100, 500, 1000, 250, 2000, 50, 1500),
    "memory": (128 * MI, 256 * MI, GI, 512 * MI, 2 * GI, 64 * MI, 1536 * MI),
    "storage": (GI, 10 * GI, 5 * GI, 100 * GI, 512 * MI),
}


def amounts(resource: str) -> st.SearchStrategy[int]:
    """An amount of `resource` ("cpu": millicores 1..8000; "memory", "storage": bytes) in the range real
    manifests use: round amounts first, then any whole millicore, mebibyte or megabyte."""
    if resource == "cpu":
        return st.one_of(st.sampled_from(_ROUND_AMOUNTS["cpu"]), st.integers(1, 8000))
    top = 8192 if resource == "memory" else 102400
    return st.one_of(
        st.sampled_from(_ROUND_AMOUNTS[resource]),
        st.integers(1, top).map(lambda n: n * MI),
        st.integers(1, top).map(lambda n: n * 10**6),
    )


def spellings(resource: str, amount: int) -> list[str]:
    """Every way this module writes `amount` of `resource`, all parsing to the same quantity, the
    canonical form (Quantity.String) first: millicores, fractions, exponents, micro units for cpu;
    binary and decimal suffixes, exponents, plain bytes and binary fractions for bytes."""
    if resource == "cpu":
        cores = Decimal(amount) / 1000
        forms = [f"{amount}m", f"{cores.normalize():f}", f"{amount}e-3", f"{amount * 1000}u"]
    else:
        forms = [f"{amount // size}{suffix}" for suffix, size in _BINARY + _DECIMAL if amount % size == 0]
        forms += [f"{amount // 10**e}e{e}" for e in (3, 6, 9) if amount % 10**e == 0]
        forms += [f"{Decimal(amount) / size}{suffix}" for suffix, size in _BINARY[3:5]
                  if amount % size and (amount * 2) % size == 0]
        forms.append(str(amount))
    canonical = str(Quantity.parse(forms[0]))
    return [canonical, *dict.fromkeys(f for f in forms if f != canonical)]


def quantity_text(resource: str, amount: int) -> st.SearchStrategy[str]:
    """One spelling of `amount` (see `spellings`); shrinks to the canonical one."""
    return st.sampled_from(spellings(resource, amount))


def quantities(resource: str = "cpu") -> st.SearchStrategy[str]:
    """A quantity of "cpu", "memory" or "storage" as a manifest writes it: canonical (`500m`, `1Gi`) or
    odd but valid (`0.5`, `500e-3`, `500000u`, `1073741824`, `1.5Gi`, `2e9`, `1G`)."""
    return amounts(resource).flatmap(lambda a: quantity_text(resource, a))


# --- names --------------------------------------------------------------------------------------
_COMMON_NAMES = ("web", "api", "db", "worker", "cache", "frontend", "backend", "a")
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"


@st.composite
def _label_like(draw: st.DrawFn, first: str, middle: str, max_size: int) -> str:
    """`first` + up to max_size-2 of `middle` + one of `first`: starts and ends with an alphanumeric."""
    head = draw(st.sampled_from(first))
    body = draw(st.text(middle, max_size=max_size - 2))
    tail = draw(st.text(first, max_size=1)) if not body else draw(st.sampled_from(first))
    return head + body + tail


def dns_labels(max_size: int = 20) -> st.SearchStrategy[str]:
    """A DNS-1123 label (lowercase alphanumerics and '-', alphanumeric at both ends, at most 63): a
    common name or a generated one, with digits and dashes."""
    return st.one_of(st.sampled_from(_COMMON_NAMES), _label_like(_LOWER + _DIGITS, _LOWER + _DIGITS + "-",
                                                                  min(max_size, 63)))


def dns1035_labels(max_size: int = 20) -> st.SearchStrategy[str]:
    """A DNS-1035 label (a DNS-1123 label that starts with a letter), as Service names must be."""
    return st.one_of(st.sampled_from(_COMMON_NAMES), _label_like(_LOWER, _LOWER + _DIGITS + "-", min(max_size, 63)))


def dns_subdomains() -> st.SearchStrategy[str]:
    """A DNS-1123 subdomain: one to three DNS-1123 labels joined by dots."""
    return st.lists(dns_labels(12), min_size=1, max_size=3).map(".".join)


def namespace_names() -> st.SearchStrategy[str]:
    """A namespace name (a DNS-1123 label), `default` first."""
    return st.one_of(st.just("default"), st.sampled_from(("prod", "dev", "team-a")), dns_labels(15))


# --- labels -------------------------------------------------------------------------------------
_COMMON_KEYS = ("app", "tier", "env", "app.kubernetes.io/name", "example.com/team", "version")
_COMMON_VALUES = ("web", "api", "prod", "", "v1.2", "Blue_Green", "db")
_NAME_CHARS = _LOWER + _LOWER.upper() + _DIGITS


def label_names() -> st.SearchStrategy[str]:
    """The name part of a label key: alphanumeric at both ends, '-', '_', '.' inside, at most 63."""
    return _label_like(_NAME_CHARS, _NAME_CHARS + "-_.", 20)


def label_keys() -> st.SearchStrategy[str]:
    """A label key: a common one, a bare name (`Tier_2`), or a name under a DNS subdomain prefix
    (`example.com/team`)."""
    prefixed = st.tuples(dns_subdomains(), label_names()).map("/".join)
    return st.one_of(st.sampled_from(_COMMON_KEYS), label_names(), prefixed)


def label_values() -> st.SearchStrategy[str]:
    """A label value: empty or alphanumeric at both ends with '-', '_', '.' inside, at most 63."""
    return st.one_of(st.sampled_from(_COMMON_VALUES), label_names())


def label_sets(min_size: int = 0, max_size: int = 4) -> st.SearchStrategy[dict[str, str]]:
    """A map of labels (keys with and without prefix, values possibly empty)."""
    return st.dictionaries(label_keys(), label_values(), min_size=min_size, max_size=max_size)


# --- selectors ----------------------------------------------------------------------------------
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


@st.composite
def expressions(draw: st.DrawFn, key: str | None = None) -> dict[str, Any]:
    """A matchExpressions entry: In and NotIn with 1-3 distinct values, Exists and DoesNotExist with none."""
    operator = draw(st.sampled_from(OPERATORS))
    out: dict[str, Any] = {"key": key or draw(label_keys()), "operator": operator}
    if operator in ("In", "NotIn"):
        out["values"] = draw(st.lists(label_values(), min_size=1, max_size=3, unique=True))
    return out


@st.composite
def selectors(draw: st.DrawFn, labels: dict[str, str] | None = None) -> dict[str, Any]:
    """A LabelSelector in map form: matchLabels, matchExpressions of each operator, both, or neither
    (the empty selector, which selects everything). Given `labels`, it selects them: its matchLabels
    are a subset of them and each expression holds on them."""
    out: dict[str, Any] = {}
    if labels is None:
        match = draw(label_sets(max_size=2))
        exprs = draw(st.lists(expressions(), max_size=2, unique_by=lambda e: e["key"]))
    else:
        match = {k: v for k, v in labels.items() if draw(st.booleans())}
        exprs = [draw(_expression_holding(k, labels)) for k in draw(st.lists(
            st.sampled_from(sorted(labels)) if labels else st.nothing(), max_size=2, unique=True))]
        if draw(st.booleans()):
            exprs.append({"key": draw(label_keys().filter(lambda k: k not in labels)), "operator": "DoesNotExist"})
    if match:
        out["matchLabels"] = match
    if exprs:
        out["matchExpressions"] = exprs
    return out


@st.composite
def _expression_holding(draw: st.DrawFn, key: str, labels: dict[str, str]) -> dict[str, Any]:
    """An expression on `key` that `labels` satisfy: Exists, In with its value, NotIn without it."""
    operator = draw(st.sampled_from(("In", "Exists", "NotIn")))
    if operator == "Exists":
        return {"key": key, "operator": "Exists"}
    others = draw(st.lists(label_values().filter(lambda v: v != labels[key]), max_size=2, unique=True))
    values = [labels[key], *others] if operator == "In" else others or [labels[key] + "x"]
    return {"key": key, "operator": operator, "values": values}


def selector_strings() -> st.SearchStrategy[str]:
    """A label selector in string form (`app=web,tier in (a,b),!legacy`): each requirement written the
    way kubectl's -l accepts it: =, ==, !=, in, notin, exists, !key."""
    return st.lists(_requirement_texts(), min_size=0, max_size=3).map(",".join)


@st.composite
def _requirement_texts(draw: st.DrawFn) -> str:
    key = draw(label_keys())
    form = draw(st.sampled_from(("=", "in", "notin", "exists", "!", "==", "!=")))
    if form in ("exists", "!"):
        return key if form == "exists" else "!" + key
    if form in ("in", "notin"):
        values = draw(st.lists(label_values(), min_size=1, max_size=3, unique=True))
        return f"{key} {form} ({','.join(values)})"
    return f"{key}{form}{draw(label_values())}"
