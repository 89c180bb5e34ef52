"""The checks that confirm a detector's candidate: Luhn, IBAN mod 97, libphonenumber, JWT decoding, placeholders.

Each takes the candidate text and answers how much of it stands: its confirmed length, or 0 to drop it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

import phonenumbers
from detect_secrets.plugins.jwt import JwtTokenDetector


def placeholder_free(candidate: str) -> int:
    """Rejects AKIAXXXXXXXXXXXXXXXX-style placeholders: a real key has no run of six equal characters."""
    return 0 if re.search(r"(.)\1{5}", candidate) else len(candidate)


def password(candidate: str) -> int:
    """A written-out password mixes at least two kinds of character and is no URL, mask or example."""
    kinds = sum(any(test(char) for char in candidate) for test in (str.islower, str.isupper, str.isdigit,
                                                                  lambda char: not char.isalnum()))
    lowered = candidate.lower()
    ordinary = kinds < 2 or "://" in candidate or any(word in lowered for word in ("redacted", "example", "xxxx"))
    return 0 if ordinary else placeholder_free(candidate)


def jwt(candidate: str) -> int:
    """Three base64url parts whose first two decode to JSON (detect-secrets' check) and a header naming its alg."""
    token = candidate.rstrip(".")
    if token.count(".") != 2 or not JwtTokenDetector.is_formally_valid(token):
        return 0
    try:
        header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    except (ValueError, binascii.Error):
        return 0
    return len(token) if isinstance(header, dict) and "alg" in header else 0


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card_brand(digits: str) -> bool:
    """Known issuer prefixes (IIN) with their lengths: Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay."""
    length, two, four, six = len(digits), int(digits[:2]), int(digits[:4]), int(digits[:6])
    return ((digits[0] == "4" and length in (13, 16, 19))
            or ((51 <= two <= 55 or 2221 <= four <= 2720) and length == 16)
            or (two in (34, 37) and length == 15)
            or ((four == 6011 or two == 65 or 644 <= four // 10 <= 649 or 622126 <= six <= 622925)
                and 16 <= length <= 19)
            or (3528 <= four <= 3589 and 16 <= length <= 19)
            or ((300 <= four // 10 <= 305 or two in (36, 38, 39)) and 14 <= length <= 19)
            or (two == 62 and 16 <= length <= 19))


def card(candidate: str) -> int:
    """13 to 19 digits grouped as cards print them (one separator kind), a known issuer, and a valid Luhn digit."""
    groups = re.split(r"[ \-]", candidate)
    if len(set(re.findall(r"[ \-]", candidate))) > 1:
        return 0
    sizes = [len(group) for group in groups]
    grouped = (len(groups) == 1 or (all(size == 4 for size in sizes[:-1]) and 1 <= sizes[-1] <= 4)
               or sizes in ([4, 6, 5], [4, 6, 4]))
    digits = "".join(groups)
    return len(candidate) if grouped and 13 <= len(digits) <= 19 and _card_brand(digits) and _luhn(digits) else 0


# ISO 13616 IBAN length per country.
_IBAN_LENGTHS = {country: int(length) for country, length in re.findall(r"([A-Z]{2})(\d\d)",
    "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DK18 DO28 EE20 EG29 ES24 FI18 "
    "FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 "
    "LU20 LV21 MC27 MD24 ME22 MK19 MR27 MT31 MU30 NL18 NO15 PK24 PL28 PS29 PT25 QA29 RO24 RS22 SA24 SC31 SE24 SI19 "
    "SK24 SM27 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20")}


def iban(candidate: str) -> int:
    """The length of its country's IBANs and a mod-97 remainder of 1."""
    compact = candidate.replace(" ", "").upper()
    if _IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return 0
    rearranged = compact[4:] + compact[:4]
    return len(candidate) if int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1 else 0


# National numbers are read in the countries whose format they share; other countries' need their + prefix.
_NATIONAL_REGIONS = ("GB", "DE", "FR", "AU")


def phone(candidate: str) -> int:
    """A candidate whose digits form a valid number (libphonenumber), less up to two trailing groups it swallowed."""
    regions = (None,) if candidate.startswith("+") else ("US",) if not candidate.startswith("0") else _NATIONAL_REGIONS
    text = candidate
    for _ in range(3):
        if not 7 <= sum(char.isdigit() for char in text) <= 15:
            return 0
        for region in regions:
            try:
                if phonenumbers.is_valid_number(phonenumbers.parse(text, region)):
                    return len(text)
            except phonenumbers.NumberParseException:
                pass
        text = text[:max(text.rfind(" "), text.rfind("-"), text.rfind("."))]
    return 0
