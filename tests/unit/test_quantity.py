"""Tests for kuberules.k8s.quantity, a port of apimachinery's pkg/api/resource.

Upstream's test tables (quantity_test.go and the CEL quantity library's test) live as
data in specs/conformance/quantity/ and run in tests/conformance/. What stays here is API
behaviour that is not table data: error texts, hashing, immutability, argument types, and
bounded work on hostile amounts such as `1e999999999`.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import kuberules
from kuberules.k8s.quantity import (
    _MAX_RESCALE,
    ERR_FORMAT_WRONG,
    ERR_NUMERIC,
    ERR_SUFFIX,
    Format,
    Quantity,
    QuantityError,
)

P = Quantity.parse


def test_error_texts_are_upstreams() -> None:
    # The ErrFormatWrong / ErrNumeric / ErrSuffix variables in quantity.go.
    assert ERR_FORMAT_WRONG == (
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )
    assert ERR_NUMERIC == "unable to parse numeric part of quantity"
    assert ERR_SUFFIX == "unable to parse quantity's suffix"


def test_parse_zero_and_non_numeric() -> None:
    # TestQuantityParseZero and TestQuantityParseNonNumericPanic.
    assert str(P("0")) == "0"
    with pytest.raises(QuantityError, match="regular expression"):
        P("Non-Numeric")


def test_argument_types() -> None:
    with pytest.raises(TypeError):
        P(1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Quantity.from_number([1])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        P("1") * 1.5  # type: ignore[operator]
    with pytest.raises(QuantityError, match="not an int64"):
        P("1") * 2**63
    with pytest.raises(QuantityError, match="not an int64"):
        P("1") + 2**63
    with pytest.raises(QuantityError, match="does not fit the int64 form"):
        Quantity(2**63, 0, int64_backed=True)
    with pytest.raises(TypeError):
        P("1").compare("1")  # type: ignore[arg-type]


def test_equality_and_hash_ignore_format() -> None:
    values = [P("1k"), P("1000"), P("1e3"), Quantity(1000, 0, Format.BINARY_SI, False), P("1000000m"), 1000]
    assert all(v == values[0] for v in values)
    assert len({hash(v) for v in values}) == 1
    assert len({P("1.5"), P("1500m"), P("1.50")}) == 1
    assert hash(P("-1")) == hash(-1)
    assert P("1") != P("1.000000001")
    assert P("1") != "1"


def test_far_apart_exponents_compare_without_expanding() -> None:
    # cmpDec settles these by magnitude; 10**2000000000 is never built.
    huge, tiny = P("1e2000000000"), P("-1e-2000000000")
    assert huge > P("9E") > tiny
    assert huge.compare(P("2e2000000000")) == -1
    assert (str(huge), str(tiny)) == ("100e1999999998", "-1e-9")
    assert huge.as_approximate_float() == math.inf


def test_immutable() -> None:
    q = P("1")
    with pytest.raises(AttributeError):
        q.unscaled = 2  # type: ignore[misc]


# --- hostile amounts ----------------------------------------------------------------------
#
# Every operation on a quantity parsed from at most 1 KB of text must finish quickly and
# small, whatever its exponent. Each expression below runs in a child process under a
# 1 GiB address-space limit and a time limit, so that a regression (building 10**999999999
# takes minutes and gigabytes) fails these tests instead of hanging the suite. The limits
# are far above what the expressions need (all of them together take milliseconds); no
# test here measures time.

HUGE = "1e999999999"
BIG = "1234567890123456789e999999999"  # 19 digits: parsed as an inf.Dec, as upstream does
LONG = "9" * 900 + "e2147483647"  # 911 bytes, the largest exponent an int32 holds
TINY = "1e-2147483648"
QE = "QuantityError"

HOSTILE = [
    # parsing keeps the amounts unexpanded
    ("parse huge", f"str(P({HUGE!r}))", HUGE),
    ("parse big", f"str(P({BIG!r}))", BIG),
    ("parse big negative", f"str(P('-' + {BIG!r}))", "-" + BIG),
    ("parse big stays small", f"P({BIG!r}).unscaled.bit_length() < 128", True),
    ("parse long stays small", f"P({LONG!r}).unscaled.bit_length() < 4000", True),
    ("parse largest int32 exponent", "str(P('1e2147483647'))", "10e2147483646"),
    ("parse tiny rounds up to nano", f"str(P({TINY!r}))", "1e-9"),
    ("parse huge zero", "str(P('0.00000000000000000000e999999999'))", "0"),
    ("parse 5000-digit exponent", "P('1e' + '9' * 5000)", (QE, "unable to parse quantity's suffix")),
    ("parse 5000-digit number", "P('9' * 5000) > P('1e4998')", True),
    # comparing and hashing
    ("compare huge with one", f"P({HUGE!r}).compare(P('1'))", 1),
    ("compare big with huge", f"P({BIG!r}) > P({HUGE!r})", True),
    ("compare long with big", f"P({LONG!r}) > P({BIG!r})", True),
    ("compare negative big", f"P('-' + {BIG!r}) < P({TINY!r})", True),
    ("equal spellings", f"P({HUGE!r}) == P('10e999999998') == P('0.001e1000000002')", True),
    ("hash follows equality", f"hash(P({HUGE!r})) == hash(P('10e999999998'))", True),
    ("equal to an int", f"P({HUGE!r}) == 1", False),
    # printing
    ("print long", f"str(P({LONG!r}))[-13:]", "90e2147483646"),
    ("print BinarySI beyond the rescale limit", "str(Quantity(1, 10**9, Format.BINARY_SI))", "10e999999999"),
    ("print BinarySI below it", "str(Quantity(1, 30, Format.BINARY_SI))", "931322574615478515625Gi"),
    # adding and subtracting
    ("add equal scales", f"str(P({HUGE!r}) + P({HUGE!r}))", "2e999999999"),
    ("add big to itself", f"str(P({BIG!r}) + P({BIG!r}))", "2469135780246913578e999999999"),
    ("add zero", f"str(P({BIG!r}) + P('0'))", BIG),
    ("add to zero", f"str(P('0') + P({BIG!r}))", BIG),
    ("add to a far zero", f"str(P('0e-999999999') + P({BIG!r}))", BIG),
    ("subtract from zero", f"str(P('0') - P({HUGE!r}))", "-" + HUGE),
    ("add one", f"P({HUGE!r}) + P('1')", (QE, "cannot add 1e999999999 and 1 exactly")),
    ("add an int", f"P({BIG!r}) + 1", (QE, "cannot add")),
    ("subtract nano", f"P({BIG!r}) - P('1n')", (QE, "cannot subtract")),
    ("subtract from tiny", f"P({TINY!r}) - P({LONG!r})", (QE, "cannot subtract")),
    ("multiply", f"str(P({BIG!r}) * -2)", "-2469135780246913578e999999999"),
    ("multiply by max int64", f"P({BIG!r}) * (2**63 - 1) > P({BIG!r})", True),
    ("negate", f"str(-P({LONG!r}))[:2]", "-9"),
    # integer conversions: upstream's value is undefined there; kuberules raises
    ("value of huge", f"P({HUGE!r}).value()", (QE, "1e999999999 does not fit an int64 at scale 0")),
    ("milli value of huge", f"P({HUGE!r}).milli_value()", (QE, "does not fit an int64 at scale -3")),
    ("value of big", f"P({BIG!r}).value()", (QE, "does not fit an int64")),
    ("value of long", f"P({LONG!r}).value()", (QE, "does not fit an int64")),
    ("value of negative big", f"P('-' + {BIG!r}).value()", (QE, "does not fit an int64")),
    ("value of tiny", f"P({TINY!r}).value()", 1),
    ("value of a far-off fraction", "Quantity(5, -10**9, int64_backed=False).value()", 1),
    ("as integer", f"P({HUGE!r}).as_integer()", (QE, "cannot convert value to integer")),
    ("is integer", f"P({HUGE!r}).is_integer()", False),
    ("float of long", f"P({LONG!r}).as_approximate_float()", math.inf),
    ("float of negative big", f"P('-' + {BIG!r}).as_approximate_float()", -math.inf),
    ("from a JSON int", "str(Quantity.from_number(10**1000))", "10e999"),
]

_CHILD = textwrap.dedent(
    """
    import json, math, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    from kuberules.k8s.quantity import Format, Quantity, QuantityError
    P = Quantity.parse
    for name, expr in json.loads(sys.stdin.read()):
        try:
            result = ["ok", repr(eval(expr))]
        except QuantityError as err:
            result = ["QuantityError", str(err)]
        except BaseException as err:  # reported, not raised: the parent names the failing case
            result = [type(err).__name__, str(err)[:200]]
        print(json.dumps([name, *result]), flush=True)
    """
)


@pytest.fixture(scope="module")
def hostile_outcomes() -> dict[str, list[str]]:
    engine_dir = str(Path(kuberules.__file__).resolve().parent.parent)
    cases = json.dumps([(name, expr) for name, expr, _ in HOSTILE])
    path = os.pathsep.join(filter(None, [engine_dir, os.environ.get("PYTHONPATH")]))
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD], input=cases, capture_output=True, text=True, timeout=30,
            env={**os.environ, "PYTHONPATH": path}, check=False,
        )
        stdout = done.stdout
    except subprocess.TimeoutExpired as err:
        stdout = (err.stdout or b"").decode() if isinstance(err.stdout, bytes) else (err.stdout or "")
    outcomes = {}
    for line in stdout.splitlines():
        name, *result = json.loads(line)
        outcomes[name] = result
    return outcomes


@pytest.mark.parametrize(("name", "expr", "expect"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_amounts_stay_bounded(hostile_outcomes, name: str, expr: str, expect: object) -> None:
    outcome = hostile_outcomes.get(name)
    assert outcome is not None, f"{expr} did not finish (it hung or ran out of memory)"
    kind, text = outcome
    if isinstance(expect, tuple):
        assert kind == expect[0], text
        assert expect[1] in text
    else:
        assert kind == "ok", f"{kind}: {text}"
        assert text == repr(expect)


def test_rescale_limit_is_far_beyond_real_amounts() -> None:
    # Below the limit, results are exact and upstream's representation is kept.
    assert str(P("1e4000") + P("1")) == "1" + "0" * 3999 + "1"
    q = P("1234567890123456789e300")  # an inf.Dec, rounded to nano like upstream
    assert (q.unscaled, q.exponent) == (1234567890123456789 * 10**309, -9)
    assert _MAX_RESCALE >= 4000


# --- exact Value/MilliValue in the rules -------------------------------------------------------
@pytest.mark.parametrize(("text", "value", "milli"), [
    ("0.5Mi", 524288, 524288000), ("7.5Gi", 8053063680, 8053063680000), ("0.5Ki", 512, 512000),
    ("1.5", 2, 1500), ("-1.5", -2, -1500), ("100m", 1, 100), ("1u", 1, 1),
])
def test_value_and_milli_value_are_exact(text, value, milli):
    """As Quantity.Value/MilliValue: no float on the way (0.5Mi * 1000 as a float is 524288000.00000006,
    whose ceiling was one too many)."""
    engine = kuberules.Engine()
    assert engine.compile_expression(f'quantity("{text}").value()')() == value
    assert engine.compile_expression(f'quantity("{text}").milliValue()')() == milli


def test_a_max_min_ratio_of_exactly_one_is_valid_in_binary_halves():
    """ValidateLimitRange compares maxLimitRequestRatio with max/min in milli-values: 0.5Mi and 512Ki are
    one amount, so a ratio of 1 is allowed (a float MilliValue made it 1.000000 < 1 and refused it)."""
    policy = kuberules.Engine().load(kuberules.resources.policies_dir() / "kubernetes")
    lr = {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "lr", "namespace": "x"},
          "spec": {"limits": [{"type": "Pod", "min": {"memory": "0.5Mi"}, "max": {"memory": "512Ki"},
                               "maxLimitRequestRatio": {"memory": "1"}}]}}
    assert policy.query("kubernetes.validation.limitrange_errors", lr) == []


@pytest.mark.parametrize(("request_", "minimum", "allowed"), [("1500u", "2m", True), ("1m", "2m", False),
                                                           ("1", "1000m", True)])
def test_limitranger_compares_milli_values(request_, minimum, allowed):
    """requestLimitEnforcedValues: LimitRanger compares MilliValues rounded up, so 1500u meets a min of 2m."""
    policy = kuberules.Engine().load(kuberules.resources.policies_dir() / "kubernetes")
    lr = {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "lr", "namespace": "x"},
          "spec": {"limits": [{"type": "Container", "min": {"cpu": minimum}}]}}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "x"},
           "spec": {"containers": [{"name": "c", "image": "i", "resources": {"requests": {"cpu": request_}}}]}}
    assert policy.query("kubernetes.limitrange.validate_pod", pod, lr, {})["allowed"] is allowed
