"""Kubernetes resource quantities, ported from k8s.io/apimachinery/pkg/api/resource.

Sources: quantity.go (ParseQuantity, CanonicalizeBytes, Add/Sub/Mul/Neg, Cmp,
ScaledValue, AsInt64, AsApproximateFloat64, UnmarshalJSON), suffix.go, amount.go,
math.go and scale_int.go.

Upstream holds an amount either as an int64Amount (an int64 times 10**scale) or,
when that cannot hold it, as an inf.Dec (a big integer times 10**-scale). The
two agree on the value but not on everything observable: AsInt64 (and so the
CEL library's isInteger/asInteger) only succeeds for the int64 form, Value()
rounds negative numbers differently, and the float conversion multiplies a
different mantissa. A Quantity therefore records which form upstream would hold
(`int64_backed`) next to the exact amount `unscaled * 10**exponent`; every
operation below picks the form upstream would pick. No binary float is ever
part of the value.

A manifest can write `1e999999999`, so no operation builds `10**n` for an n
beyond _MAX_RESCALE (upstream's inf.Dec would, and spend minutes and gigabytes
on it). Parsing keeps such an amount unexpanded (same value; upstream's
representation differs only where every observable agrees), comparing and
hashing never expand, printing a BinarySI amount that large falls back to its
DecimalSI text, and an add, sub or integer conversion whose exact result would
need more digits raises QuantityError.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from decimal import Context, Decimal
from enum import StrEnum


class QuantityError(ValueError):
    """A string is not a quantity, or a conversion cannot be done exactly."""


class Format(StrEnum):
    """How a quantity is written back (resource.Format)."""

    DECIMAL_EXPONENT = "DecimalExponent"
    BINARY_SI = "BinarySI"
    DECIMAL_SI = "DecimalSI"


_SPLIT_RE = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
ERR_FORMAT_WRONG = f"quantities must match the regular expression '{_SPLIT_RE}'"
ERR_NUMERIC = "unable to parse numeric part of quantity"
ERR_SUFFIX = "unable to parse quantity's suffix"

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_MAX_INT64_FACTORS = 18  # decimal digits the int64 fast path accepts (math.go)
_NANO = -9
_LOG10_MAX_INT64 = 19  # 10**19 is the first power of ten beyond int64
# The largest power of ten an operation multiplies by. Beyond it a result is astronomically
# long (1e4096 is far past any resource) and only a hostile manifest gets there.
_MAX_RESCALE = 4096
_DIGITS = "0123456789"
_SUFFIX_CHARS = "eEinumkKMGTP"
_DECIMAL_SUFFIXES = {
    "n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18,
}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_SUFFIX_OF = {exp: s for s, exp in _DECIMAL_SUFFIXES.items()}
_BINARY_SUFFIX_OF = {exp // 10: s for s, exp in _BINARY_SUFFIXES.items()}

# Go's unicode.IsSpace characters that encoding/json writes unescaped, so that
# UnmarshalJSON's strings.TrimSpace can see them in the raw JSON text.
_RAW_JSON_SPACES = (
    " \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000"
)

# math.Pow10's tables: its result is a product of two of these, which is not
# always the correctly rounded 10**n.
_POW10 = [float(f"1e{i}") for i in range(32)]
_POW10_POS32 = [float(f"1e{32 * i}") for i in range(10)]
_POW10_NEG32 = [float(f"1e-{32 * i}") for i in range(11)]

_HASH_MODULUS = sys.hash_info.modulus


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Quantity:
    """An exact quantity: `unscaled * 10**exponent`, written in `format`.

    `int64_backed` says whether upstream would hold the amount as an
    int64Amount (True) or as an inf.Dec (False). Build quantities with
    `parse` or `from_number`; the fields mirror upstream's internal state.
    """

    unscaled: int
    exponent: int
    format: Format = Format.DECIMAL_SI
    int64_backed: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "format", Format(self.format))
        if self.int64_backed and not _fits_int64(self.unscaled):
            raise QuantityError(f"{self.unscaled} does not fit the int64 form of a quantity")

    @classmethod
    def parse(cls, text: str) -> Quantity:
        """Parse like ParseQuantity, including its rounding and capping."""
        return _parse(text)

    @classmethod
    def from_number(cls, n: int | float | str) -> Quantity:
        """Decode a JSON value into a Quantity as Quantity.UnmarshalJSON does.

        UnmarshalJSON parses the raw JSON text: a number as Go's encoding/json
        writes it, a string without its quotes (escapes are not decoded, so
        only unescaped whitespace is trimmed).
        """
        if isinstance(n, bool):
            raise QuantityError(ERR_FORMAT_WRONG)  # the JSON text is `true`/`false`
        if isinstance(n, int):
            return _parse(_int_text(n))
        if isinstance(n, float):
            return _parse(_go_json_float(n))
        if isinstance(n, str):
            return _parse(n.strip(_RAW_JSON_SPACES))
        raise TypeError(f"cannot make a quantity from {type(n).__name__}")

    def __str__(self) -> str:
        """The canonical form (Quantity.String / CanonicalizeBytes)."""
        if self.unscaled == 0:
            return "0"
        if self.format is Format.BINARY_SI and not -1024 < self < 1024:
            whole = self._whole()
            if whole is not None:
                return _binary_text(whole)
            return _decimal_text(self.unscaled, self.exponent, Format.DECIMAL_SI)
        fmt = Format.DECIMAL_SI if self.format is Format.BINARY_SI else self.format
        return _decimal_text(self.unscaled, self.exponent, fmt)

    def __repr__(self) -> str:
        return f"Quantity({str(self)!r}, {self.format.value})"

    def compare(self, other: Quantity | int) -> int:
        """-1, 0 or 1 as self is less than, equal to or greater than other (Cmp)."""
        y = _amount(other)
        if y is None:
            raise TypeError(f"cannot compare a quantity with {type(other).__name__}")
        return _compare(self.unscaled, self.exponent, *y)

    def __eq__(self, other: object) -> bool:
        y = _amount(other)
        if y is None:
            return NotImplemented
        return _compare(self.unscaled, self.exponent, *y) == 0

    def __hash__(self) -> int:
        # Python's numeric hash of the value, so that equal quantities (and a
        # quantity equal to an int) hash alike without building 10**exponent.
        m = _HASH_MODULUS
        h = abs(self.unscaled) % m * pow(10, self.exponent, m) % m
        h = -h if self.unscaled < 0 else h
        return -2 if h == -1 else h

    def __lt__(self, other: Quantity | int) -> bool:
        y = _amount(other)
        return NotImplemented if y is None else _compare(self.unscaled, self.exponent, *y) < 0

    def __le__(self, other: Quantity | int) -> bool:
        y = _amount(other)
        return NotImplemented if y is None else _compare(self.unscaled, self.exponent, *y) <= 0

    def __gt__(self, other: Quantity | int) -> bool:
        y = _amount(other)
        return NotImplemented if y is None else _compare(self.unscaled, self.exponent, *y) > 0

    def __ge__(self, other: Quantity | int) -> bool:
        y = _amount(other)
        return NotImplemented if y is None else _compare(self.unscaled, self.exponent, *y) >= 0

    def __add__(self, other: Quantity | int) -> Quantity:
        """Quantity.Add; an int operand is NewQuantity(n, DecimalExponent) as in CEL's add(int)."""
        y = _operand(other)
        if y is None:
            return NotImplemented
        fmt = self._format_with(y)
        if self.int64_backed and y.int64_backed:
            total = _int64_add((self.unscaled, self.exponent), (y.unscaled, y.exponent))
            if total is not None:
                return Quantity(*total, fmt)
        total = _dec_add(self.unscaled, self.exponent, y.unscaled, y.exponent)
        if total is None:
            raise QuantityError(_too_far_apart("add", self, y))
        return Quantity(*total, fmt, False)

    def __sub__(self, other: Quantity | int) -> Quantity:
        """Quantity.Sub; an int operand is NewQuantity(n, DecimalExponent) as in CEL's sub(int)."""
        y = _operand(other)
        if y is None:
            return NotImplemented
        fmt = self._format_with(y)
        if self.int64_backed and y.int64_backed:
            if y.unscaled == _INT64_MIN:  # -y overflows int64
                if self.unscaled == 0:  # 0 - y is -y, keeping y's scale
                    return -Quantity(y.unscaled, y.exponent, fmt)
            else:
                total = _int64_add((self.unscaled, self.exponent), (-y.unscaled, y.exponent))
                if total is not None:
                    return Quantity(*total, fmt)
        difference = _dec_add(self.unscaled, self.exponent, -y.unscaled, y.exponent)
        if difference is None:
            raise QuantityError(_too_far_apart("subtract", self, y))
        return Quantity(*difference, fmt, False)

    def __mul__(self, other: int) -> Quantity:
        """Quantity.Mul by an int64."""
        if type(other) is not int:
            return NotImplemented
        if not _fits_int64(other):
            raise QuantityError(f"cannot multiply a quantity by {other}: not an int64")
        if self.int64_backed:
            product = _int64_mul(self.unscaled, self.exponent, other)
            if product is not None:
                return Quantity(*product, self.format)
        return Quantity(self.unscaled * other, self.exponent, self.format, False)

    def __neg__(self) -> Quantity:
        """Quantity.Neg: the int64 form moves to inf.Dec only for -MinInt64."""
        int64 = self.int64_backed and self.unscaled != _INT64_MIN
        return Quantity(-self.unscaled, self.exponent, self.format, int64)

    def sign(self) -> int:
        """-1, 0 or 1 (Quantity.Sign)."""
        return (self.unscaled > 0) - (self.unscaled < 0)

    def value(self) -> int:
        """Quantity.Value: the integer value rounded up (see _scaled_value for how)."""
        return self._scaled_value(0)

    def milli_value(self) -> int:
        """Quantity.MilliValue: the value in thousandths, rounded up like value()."""
        return self._scaled_value(-3)

    def is_integer(self) -> bool:
        """CEL isInteger: whether AsInt64 succeeds, which depends on upstream's form.

        Only an int64Amount with a non-negative scale converts, so "1000m" and
        "0.5Ki" (512, held as inf.Dec) are not integers to upstream.
        """
        return self._as_int64() is not None

    def as_integer(self) -> int:
        """CEL asInteger: AsInt64, or an error when it does not succeed."""
        result = self._as_int64()
        if result is None:
            raise QuantityError("cannot convert value to integer")
        return result

    def as_approximate_float(self) -> float:
        """AsApproximateFloat64: float(mantissa) * math.Pow10(exponent), ±inf beyond range."""
        try:
            base = float(self.unscaled)
        except OverflowError:
            base = math.inf if self.unscaled > 0 else -math.inf  # copysign would convert it too
        if self.exponent == 0:
            return base
        return base * _go_pow10(self.exponent)

    def _format_with(self, other: Quantity) -> Format:
        # Add and Sub adopt the other operand's format when the receiver is zero.
        return other.format if self.unscaled == 0 else self.format

    def _whole(self) -> int | None:
        """The value if it is a whole number (AsScale(0) is exact), else None.

        None too beyond 10**_MAX_RESCALE, whose digits upstream would write out in full.
        """
        if self.exponent > _MAX_RESCALE:
            return None
        if self.exponent >= 0:
            return self.unscaled * 10**self.exponent
        quotient, remainder = divmod(self.unscaled, 10**-self.exponent)
        return None if remainder else quotient

    def _as_int64(self) -> int | None:
        """Quantity.AsInt64 / int64Amount.AsInt64."""
        if not self.int64_backed or self.exponent < 0:
            return None
        return _positive_scale(self.unscaled, self.exponent)

    def _scaled_value(self, scale: int) -> int:
        """ScaledValue(scale): the value in units of 10**scale, rounded up.

        Upstream rounds differently per form: an int64Amount rounds away from
        zero (-1.5 -> -2), an inf.Dec that fits int64 truncates and then adds
        one for any remainder (-1.5 -> 0) and a larger inf.Dec takes the ceiling
        (-1.5 -> -1). An overflowing result is undefined upstream; here it is
        an error.
        """
        u, delta = self.unscaled, self.exponent - scale
        if u == 0:
            result = 0
        elif self.int64_backed and delta < 0:
            result = _divide_away_from_zero(u, -delta)
        elif delta >= 0:
            result = u * 10**delta if delta < _LOG10_MAX_INT64 else None
        elif abs(u) < _INT64_MAX and -delta < _LOG10_MAX_INT64:
            quotient, remainder = divmod(abs(u), 10**-delta)
            result = (quotient if u > 0 else -quotient) + (remainder != 0)
        elif -delta > abs(u).bit_length():  # 10**-delta > |u|: the ceiling is 1 or 0
            result = 1 if u > 0 else 0
        else:
            result = -(-u // 10**-delta)
        if result is None or not _fits_int64(result):
            raise QuantityError(f"{self} does not fit an int64 at scale {scale}")
        return result


# --- parsing (ParseQuantity) --------------------------------------------------------


def _parse(text: str) -> Quantity:
    if not isinstance(text, str):
        raise TypeError(f"cannot parse a quantity from {type(text).__name__}")
    if not text:
        raise QuantityError(ERR_FORMAT_WRONG)
    positive, value, num, denom, suffix = _split(text)
    base, exponent, fmt = _interpret(suffix)
    fast = _parse_int64_form(positive, num, denom, exponent, fmt)
    if fast is not None:
        return fast
    return _parse_dec_form(value, base, exponent, fmt)


def _split(text: str) -> tuple[bool, str, str, str, str]:
    """parseQuantityString: (positive, value, num, denom, suffix)."""
    end = len(text)
    pos = 1 if text[0] in "+-" else 0
    positive = text[0] != "-"
    while pos < end and text[pos] == "0":
        pos += 1
    if pos == end:  # nothing but a sign and zeros: "-", "+", "000"
        return positive, "0", "0", "", ""
    start, pos = pos, _skip_digits(text, pos)
    if pos == end:
        return positive, text, text[start:], "", ""
    num, denom = text[start:pos] or "0", ""
    if text[pos] == ".":
        start, pos = pos + 1, _skip_digits(text, pos + 1)
        denom = text[start:pos]
        if pos == end:
            return positive, text, num, denom, ""
    value, suffix_start = text[:pos], pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    if _skip_digits(text, pos) != end:
        raise QuantityError(ERR_FORMAT_WRONG)
    return positive, value, num, denom, text[suffix_start:]


def _skip_digits(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _DIGITS:
        pos += 1
    return pos


def _interpret(suffix: str) -> tuple[int, int, Format]:
    """suffixHandler.interpret: (base, exponent, format) of a suffix."""
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], Format.DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], Format.BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        exponent = _parse_int64(suffix[1:])
        if exponent is not None:
            return 10, (exponent + 2**31) % 2**32 - 2**31, Format.DECIMAL_EXPONENT  # int32(parsed)
    raise QuantityError(ERR_SUFFIX)


def _parse_int64_form(
    positive: bool, num: str, denom: str, exponent: int, fmt: Format
) -> Quantity | None:
    """ParseQuantity's fast path: small numbers down to nano become an int64Amount."""
    if fmt is Format.BINARY_SI:
        if denom:
            return None
        mantissa, scale = 1 << exponent, 0
        # 1Mi has ~6 digits of decimal precision: exponent*3/10 in float32, exact here.
        precision = 15 - len(num) - exponent * 3 // 10 - 1
    else:
        mantissa, scale = 1, exponent - len(denom)
        precision = _MAX_INT64_FACTORS - len(num) - len(denom)
    if precision < 0 or scale < _NANO:
        return None
    result = int(num + denom) * mantissa
    if not _fits_int64(result):
        return None
    return Quantity(result if positive else -result, scale, fmt)


def _parse_dec_form(value: str, base: int, exponent: int, fmt: Format) -> Quantity:
    """ParseQuantity's inf.Dec path: round up to nano, cap BinarySI at MaxInt64."""
    sign = value[:1] if value[:1] in ("+", "-") else ""  # value is "" for a bare suffix: "Pi"
    whole, _, fraction = value[len(sign) :].partition(".")
    if not whole + fraction:  # inf.Dec.SetString needs a digit: "." or "-." before a suffix
        raise QuantityError(ERR_NUMERIC)
    magnitude, exp = int(Decimal(whole + fraction)), -len(fraction)
    if base == 10:
        exp += exponent
    else:
        magnitude <<= exponent
    if magnitude and exp - _NANO <= _MAX_RESCALE:
        # Round away from zero to nano, so that a tiny request still gets something. (Beyond
        # _MAX_RESCALE the amount is a whole number of nanos already, and stays unexpanded.)
        magnitude, exp = _round_up_to_nano(magnitude, exp), _NANO
        if fmt is Format.BINARY_SI and magnitude > _INT64_MAX * 10**-_NANO:
            magnitude, exp = _INT64_MAX, 0
        elif fmt is Format.BINARY_SI and magnitude < 10**-_NANO:
            fmt = Format.DECIMAL_SI  # a fraction below one is not written in binary units
    return Quantity(-magnitude if sign == "-" else magnitude, exp, fmt, False)


def _round_up_to_nano(magnitude: int, exp: int) -> int:
    """The unscaled amount at scale nano, rounded up (inf.Dec.Round with RoundUp)."""
    if exp >= _NANO:
        return magnitude * 10 ** (exp - _NANO)
    if _NANO - exp > magnitude.bit_length():  # magnitude < 10**(_NANO - exp): rounds to 1
        return 1
    quotient, remainder = divmod(magnitude, 10 ** (_NANO - exp))
    return quotient + (remainder != 0)


def _parse_int64(text: str) -> int | None:
    """strconv.ParseInt(text, 10, 64), or None where it returns an error."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or any(c not in _DIGITS for c in digits):
        return None
    if len(digits.lstrip("0")) > _LOG10_MAX_INT64:  # out of range; int() would refuse 4300+ digits
        return None
    value = int(text)
    return value if _fits_int64(value) else None


# --- formatting (CanonicalizeBytes) -------------------------------------------------


def _decimal_text(unscaled: int, exponent: int, fmt: Format) -> str:
    """Mantissa with the exponent lowered to a multiple of 3, then its suffix."""
    digits = _int_text(abs(unscaled))
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    pad = exponent % 3
    number = ("-" if unscaled < 0 else "") + stripped + "0" * pad
    exponent -= pad
    if fmt is Format.DECIMAL_SI and exponent in _DECIMAL_SUFFIX_OF:
        return number + _DECIMAL_SUFFIX_OF[exponent]
    # DecimalSI stops at E (10**18); beyond it upstream falls back to "e<n>".
    return number + (f"e{exponent}" if exponent else "")


def _binary_text(whole: int) -> str:
    """Whole number with factors of 1024 moved into a binary suffix.

    Like upstream, a power of 1024 beyond Ei has no suffix and is dropped.
    """
    times = 0
    while whole % 1024 == 0:
        whole //= 1024
        times += 1
    return _int_text(whole) + _BINARY_SUFFIX_OF.get(times, "")


def _int_text(n: int) -> str:
    # Decimal prints any int, unlike str() past Python's 4300-digit limit.
    return str(Decimal(n))


def _go_json_float(f: float) -> str:
    """The text encoding/json writes for a float64: shortest digits, 'e' outside [1e-6, 1e21)."""
    if not math.isfinite(f):
        name = "NaN" if math.isnan(f) else ("+Inf" if f > 0 else "-Inf")
        raise QuantityError(f"json: unsupported value: {name}")
    exact = Decimal(repr(f)).normalize(Context(prec=20))  # repr has at most 17 digits
    if f == 0 or 1e-6 <= abs(f) < 1e21:
        return format(exact, "f")
    sign, digits, exp = exact.as_tuple()
    mantissa = str(digits[0]) + ("." + "".join(map(str, digits[1:])) if len(digits) > 1 else "")
    return f"{'-' if sign else ''}{mantissa}e{exp + len(digits) - 1:+d}"


def _go_pow10(n: int) -> float:
    """math.Pow10."""
    if 0 <= n <= 308:
        return _POW10_POS32[n // 32] * _POW10[n % 32]
    if -323 <= n <= 0:
        return _POW10_NEG32[-n // 32] / _POW10[-n % 32]
    return math.inf if n > 0 else 0.0


# --- arithmetic on the two forms -----------------------------------------------------


def _fits_int64(n: int) -> bool:
    return _INT64_MIN <= n <= _INT64_MAX


def _positive_scale(value: int, scale: int) -> int | None:
    """positiveScaleInt64: value * 10**scale, or None when it leaves int64."""
    if value == 0:
        return 0
    if scale >= _LOG10_MAX_INT64:
        return None
    result = value * 10**scale
    return result if _fits_int64(result) else None


def _divide_away_from_zero(value: int, places: int) -> int:
    """negativeScaleInt64: value / 10**places rounded away from zero."""
    if places >= _LOG10_MAX_INT64:
        return 1 if value > 0 else -1
    quotient, remainder = divmod(abs(value), 10**places)
    quotient += remainder != 0
    return quotient if value > 0 else -quotient


def _int64_add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int] | None:
    """int64Amount.Add: the sum at the smaller scale, or None on overflow."""
    (av, ascale), (bv, bscale) = a, b
    if bv == 0:
        return a
    if av == 0:
        return b
    if ascale > bscale:
        av, ascale = _positive_scale(av, ascale - bscale), bscale
    elif bscale > ascale:
        bv = _positive_scale(bv, bscale - ascale)
    if av is None or bv is None or not _fits_int64(av + bv):
        return None
    return av + bv, ascale


def _int64_mul(value: int, scale: int, factor: int) -> tuple[int, int] | None:
    """int64Amount.Mul: None when the int64 form cannot hold the product exactly."""
    if value == 0:
        return value, scale
    if factor == 0:
        return 0, 0
    product = value * factor
    if not _fits_int64(product):
        return None
    if scale > 0 and _positive_scale(product, scale) is None:
        return None
    if scale < 0 and (-scale >= _LOG10_MAX_INT64 or product % 10**-scale):
        return None
    return product, scale


def _dec_add(xu: int, xe: int, yu: int, ye: int) -> tuple[int, int] | None:
    """inf.Dec.Add: both operands rescaled to the smaller exponent.

    None when that would multiply a non-zero operand by more than 10**_MAX_RESCALE. A zero
    operand is then left out instead, which gives the same value unexpanded.
    """
    e = min(xe, ye)
    if max(xe, ye) - e > _MAX_RESCALE:
        if not xu:
            return yu, ye
        if not yu:
            return xu, xe
        return None
    return xu * 10 ** (xe - e) + yu * 10 ** (ye - e), e


def _too_far_apart(verb: str, x: Quantity, y: Quantity) -> str:
    apart = abs(x.exponent - y.exponent)
    return (
        f"cannot {verb} {x} and {y} exactly: their scales are {apart} digits apart, "
        f"beyond the {_MAX_RESCALE} kuberules computes"
    )


def _compare(xu: int, xe: int, yu: int, ye: int) -> int:
    """Cmp of xu*10**xe and yu*10**ye, settling far-apart magnitudes first (cmpDec)."""
    xs, ys = (xu > 0) - (xu < 0), (yu > 0) - (yu < 0)
    if xs != ys or xs == 0:
        return (xs > ys) - (xs < ys)
    x_lo, x_hi = _decimal_exponent_bounds(xu, xe)
    y_lo, y_hi = _decimal_exponent_bounds(yu, ye)
    if x_lo > y_hi:
        return xs
    if x_hi < y_lo:
        return -xs
    diff = xu * 10 ** (xe - min(xe, ye)) - yu * 10 ** (ye - min(xe, ye))
    return (diff > 0) - (diff < 0)


def _decimal_exponent_bounds(unscaled: int, exponent: int) -> tuple[int, int]:
    """Bounds on e where 10**(e-1) <= |value| < 10**e: n bits hold n/4 to n/3+1 digits."""
    bits = abs(unscaled).bit_length()
    return bits // 4 + exponent, bits // 3 + 1 + exponent


def _amount(other: object) -> tuple[int, int] | None:
    if isinstance(other, Quantity):
        return other.unscaled, other.exponent
    if type(other) is int:
        return other, 0
    return None


def _operand(other: object) -> Quantity | None:
    if isinstance(other, Quantity):
        return other
    if type(other) is int:
        if not _fits_int64(other):
            raise QuantityError(f"{other} is not an int64")
        return Quantity(other, 0, Format.DECIMAL_EXPONENT)
    return None
