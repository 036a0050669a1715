"""Fairs and exhibitions the office records, edits and removes (only the office: /office is office-only)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from storefront.events import services as events
from storefront.events.forms import EventForm
from storefront.events.models import Event
from storefront.extensions import db
from storefront.office import bp
from storefront.office.forms import ConfirmForm
from storefront.office.views.common import apply_errors


@bp.route("/events")
def events_index():
    return render_template("office/events.html", events=events.all_events(), confirm=ConfirmForm())


def _save(form: EventForm, event: Event | None):
    """Create or update from a valid form; return the saved event, or None with the form's errors set."""
    try:
        if event is None:
            event = events.create_event(form.to_input())
        else:
            events.update_event(event, form.to_input())
    except events.EventInvalid as error:
        db.session.rollback()
        apply_errors(form, {name: str(message) for name, message in error.errors.items()})
        return None
    db.session.commit()
    return event


@bp.route("/events/new", methods=["GET", "POST"])
def event_new():
    form = EventForm().setup(events.approved_producers(), events.showable_products())
    if form.validate_on_submit() and _save(form, None):
        flash(_("Đã thêm sự kiện."), "success")
        return redirect(url_for("office.events_index"))
    return render_template("office/event_form.html", form=form, event=None)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def event_edit(event_id):
    event = db.get_or_404(Event, event_id)
    form = EventForm(obj=event).setup(events.approved_producers(), events.showable_products())
    if not form.is_submitted():
        form.fill_from(event)
    if form.validate_on_submit() and _save(form, event):
        flash(_("Đã lưu sự kiện."), "success")
        return redirect(url_for("office.events_index"))
    return render_template("office/event_form.html", form=form, event=event)


@bp.route("/events/<int:event_id>/delete", methods=["POST"])
def event_delete(event_id):
    event = db.get_or_404(Event, event_id)
    if ConfirmForm().validate_on_submit():
        events.delete_event(event)
        db.session.commit()
        flash(_("Đã xoá sự kiện."), "success")
    return redirect(url_for("office.events_index"))
