"""Which language a page speaks: the one rule, for Flask-Babel's locale selector and the scan fast path."""


def locale_for(config, *, asked: str | None, remembered: str | None) -> str:
    """The language of a page: `asked` (?lang=) if the shop speaks it, else `remembered` (the
    session's), else the default (Vietnamese)."""
    languages = config["LANGUAGES"]
    if asked in languages:
        return asked
    if remembered in languages:
        return remembered
    return config["BABEL_DEFAULT_LOCALE"]
