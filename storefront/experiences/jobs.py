"""Periodic work of experiences (`flask jobs scheduler`, storefront/jobs/commands.py PERIODIC)."""

from storefront.experiences.availability import materialize_all
from storefront.experiences.bookings import expire_held
from storefront.experiences.mail import send_reminders
from storefront.experiences.ordering import expire_unpaid_orders
from storefront.experiences.stays import purge_stay_details
from storefront.extensions import db


def release_lapsed() -> int:
    """Every minute: free the places of held bookings whose payment did not come in time."""
    lapsed = expire_held()
    expire_unpaid_orders(lapsed)
    db.session.commit()
    return len(lapsed)


def hourly() -> dict:
    """Every hour: sessions for the next 60 days, tomorrow's reminders (once each), stay details past their stay."""
    return {"sessions": materialize_all(), "reminders": send_reminders(), "stay_rows_deleted": purge_stay_details()}
