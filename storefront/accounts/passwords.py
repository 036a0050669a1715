"""Password strength, judged by zxcvbn (the one module that imports it)."""

import re

from storefront.text import fold

#: zxcvbn's scale is 0–4; 3 = "safely unguessable: moderate protection from offline attacks".
MIN_SCORE = 3
#: zxcvbn's time grows fast with length; what it cannot judge past this is strong anyway.
CHECKED_LENGTH = 64


def personal_words(*, email: str = "", full_name: str = "") -> list[str]:
    """Return the parts of an e-mail and a name that a password must not contain (folded)."""
    words = []
    local = re.sub(r"[^a-z0-9]+", "", fold(email.partition("@")[0]))
    if len(local) >= 3:
        words.append(local)
    name_words = re.findall(r"[a-z0-9]+", fold(full_name))
    if name_words:
        compact = "".join(name_words)
        if len(compact) >= 3:
            words.append(compact)
        # The given name comes last in Vietnamese names ("Nguyễn Thị Hoa" -> "hoa").
        words += [w for w in name_words if len(w) >= 4 or (w == name_words[-1] and len(w) >= 3)]
    return list(dict.fromkeys(words))


def contains_personal_words(password: str, *, email: str = "", full_name: str = "") -> bool:
    compact = re.sub(r"[^a-z0-9]+", "", fold(password))
    return any(word in compact for word in personal_words(email=email, full_name=full_name))


def is_guessable(password: str, *, email: str = "", full_name: str = "") -> bool:
    """Tell whether zxcvbn scores the password below MIN_SCORE (knowing the user's e-mail and name)."""
    # zxcvbn's word lists (about 12 MB) load at the first password judged, not in every worker.
    from zxcvbn import zxcvbn

    inputs = [email, *personal_words(email=email, full_name=full_name)]
    return zxcvbn(password[:CHECKED_LENGTH], user_inputs=[i for i in inputs if i])["score"] < MIN_SCORE
