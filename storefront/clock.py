"""The shop's calendar: dates as they are in Vietnam (UTC+7)."""

from datetime import date, datetime, time, timedelta, timezone

VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")


def today_vn() -> date:
    """Return today's date in Vietnam, which decides certificate and expiry validity."""
    return datetime.now(VIETNAM_TZ).date()


def vietnam_midnight(day: date) -> datetime:
    """Return the moment a Vietnam calendar day begins (aware)."""
    return datetime.combine(day, time.min, tzinfo=VIETNAM_TZ)


def add_months(day: date, months: int) -> date:
    """Return the same day n months later, clamped to the month's end (36-month validity)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)
