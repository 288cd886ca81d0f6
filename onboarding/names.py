"""SPEC §3.4: the partner-name rules. Each rule has its own message, so a partner knows which
one they broke. The model field runs `validate_partner_name`, so forms, admin and the shell
all pass through it."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Compared after normalisation: lower case, letters and digits only
# ("Tik-Tok  Shop" -> "tiktokshop").
TIKTOK_LIKE = ("tiktok", "tiktik", "toktok", "ttshop", "tkshop", "tts", "tks", "tt", "tk")
# Short marks only count as a whole word ("TT Agency"), or the name would refuse "Attic" or
# "Stockton".
SHORT_MARKS = {"tt", "tk", "tts", "tks"}

# SPEC §3.4: pornography, gambling, drugs, violence, illegal activity. Matched as words.
FORBIDDEN_WORDS = (
    "porn", "porno", "xxx", "sex", "escort", "nude", "casino", "gambling", "gamble", "betting",
    "poker", "lottery", "drug", "drugs", "cocaine", "heroin", "meth", "cannabis", "marijuana",
    "weed", "kill", "murder", "weapon", "weapons", "gun", "guns", "terror", "counterfeit",
    "fake", "hack", "hacking", "fraud", "scam", "smuggling",
)  # fmt: skip

MAX_LENGTH = 40
MAX_DIGITS_IN_A_ROW = 6

MESSAGES = {
    "tiktok_like": _(
        "The partner name cannot contain TikTok or a name like it (TT, TK, TikTok, TikTik, "
        "TokTok, TikTok Shop, TTS, TKS)."
    ),
    "random": _(
        "The partner name cannot be a long or random string of digits or characters. Use "
        "your brand or company name."
    ),
    "forbidden": _(
        "The partner name cannot contain words about pornography, gambling, drugs, violence "
        "or illegal activities."
    ),
}


def _words(name: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", name).casefold()
    return [w for w in re.split(r"[^0-9a-z]+", folded) if w]


def _initials(words: list[str]) -> list[str]:
    """Runs of single letters joined up, so "T.T." or "T K S" read as "tt" and "tks"."""
    runs, current = [], ""
    for word in [*words, ""]:
        if len(word) == 1:
            current += word
            continue
        if len(current) > 1:
            runs.append(current)
        current = ""
    return runs


def is_tiktok_like(name: str) -> bool:
    words = _words(name)
    if any(w in SHORT_MARKS for w in words + _initials(words)):
        return True
    squashed = "".join(words)
    # Also catch letters spread out with spaces or punctuation: "T.i.k T.o.k", "Tik_Tok".
    return any(mark in squashed for mark in TIKTOK_LIKE if mark not in SHORT_MARKS)


def is_random_string(name: str) -> bool:
    compact = re.sub(r"\s+", "", name)
    if len(compact) > MAX_LENGTH:
        return True
    if re.search(rf"\d{{{MAX_DIGITS_IN_A_ROW + 1},}}", compact):
        return True
    letters = re.sub(r"[^A-Za-z]", "", compact)
    if compact and not letters:
        return True  # only digits and symbols
    # A long run of consonants ("xkqzvbnmt") reads as keyboard mashing, not a brand.
    return bool(re.search(r"[bcdfghjklmnpqrstvwxz]{7,}", letters.lower()))


def has_forbidden_word(name: str) -> bool:
    words = set(_words(name))
    return any(word in words for word in FORBIDDEN_WORDS)


def partner_name_errors(name: str) -> list[ValidationError]:
    errors = []
    if is_tiktok_like(name):
        errors.append(ValidationError(MESSAGES["tiktok_like"], code="tiktok_like"))
    if is_random_string(name):
        errors.append(ValidationError(MESSAGES["random"], code="random"))
    if has_forbidden_word(name):
        errors.append(ValidationError(MESSAGES["forbidden"], code="forbidden"))
    return errors


def validate_partner_name(name: str) -> None:
    if name and (errors := partner_name_errors(name)):
        raise ValidationError(errors)
