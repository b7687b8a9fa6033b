"""Mobile numbers: parsed, checked and stored as E.164 with the ``phonenumbers`` library."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

# Ofcom keeps 07700 900000–900999 for drama and examples: never a real person's phone, so demo data,
# tests and the examples in our own hints use it. The library calls it unallocated; we accept it as a
# mobile (a message to it simply fails at the provider).
DRAMA_MOBILE_PREFIX = "+447700900"


class NotAMobileNumber(ValueError):
    """The text is not a valid mobile number."""


def to_e164_mobile(text: str, region: str = "GB") -> str:
    """Parse what someone typed (``07700 900123``, ``+44 7700 900123``) into E.164.

    :param region: the country assumed when the number has no international prefix.
    :raises NotAMobileNumber: when it is not a valid number or not a mobile.
    """
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        raise NotAMobileNumber(str(exc)) from exc
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if e164.startswith(DRAMA_MOBILE_PREFIX) and len(e164) == len(DRAMA_MOBILE_PREFIX) + 3:
        return e164
    if not phonenumbers.is_valid_number(number):
        raise NotAMobileNumber("invalid")
    if phonenumbers.number_type(number) not in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise NotAMobileNumber("not a mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def for_display(e164: str | None) -> str:
    """A stored number written the way people read it (national format for UK numbers)."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, None)
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 44
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)
