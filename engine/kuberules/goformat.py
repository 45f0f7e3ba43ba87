"""Go's formatting of floats, where kuberules must print what Go prints."""

from __future__ import annotations

import math
import struct
from decimal import Decimal


def format_float(value: float, bits: int = 64) -> str:
    """strconv.FormatFloat(value, 'g', -1, bits): how Go prints a float in
    CEL's string(double) and in go-yaml's map keys (32-bit precision)."""
    if math.isnan(value):
        return "NaN"
    if bits == 32:
        try:
            value = struct.unpack("<f", struct.pack("<f", value))[0]
        except OverflowError:
            value = math.copysign(math.inf, value)
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    if bits == 32:
        for precision in range(1, 10):
            text = f"{value:.{precision - 1}e}"
            if struct.unpack("<f", struct.pack("<f", float(text)))[0] == value:
                break
    else:
        text = repr(value)
    sign, digits, exponent = Decimal(text).as_tuple()
    digits_text = "".join(map(str, digits)).rstrip("0") or "0"
    point = len(digits) + int(exponent)  # value = 0.digits x 10**point
    minus = "-" if sign else ""
    exp10 = point - 1
    if exp10 < -4 or exp10 >= 6:
        mantissa = digits_text[0] + ("." + digits_text[1:] if len(digits_text) > 1 else "")
        return f"{minus}{mantissa}e{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"
    if point <= 0:
        return f"{minus}0.{'0' * -point}{digits_text}"
    if point >= len(digits_text):
        return minus + digits_text + "0" * (point - len(digits_text))
    return f"{minus}{digits_text[:point]}.{digits_text[point:]}"
