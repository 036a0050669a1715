"""The base of every form: Flask-WTF, with WTForms' and Flask-WTF's own messages in the page's language.

WTForms ships no Vietnamese catalogue and Flask-WTF's i18n only looks in WTForms' folder, so
"This field is required." came out in English on Vietnamese pages. The Vietnamese for those
messages lives in translations/vi/LC_MESSAGES/wtforms.po (msgids are the libraries' English);
English pages use the messages as written.
"""

from functools import lru_cache

from babel.support import NullTranslations, Translations
from flask import current_app, has_request_context
from flask_babel import get_locale
from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF
from markupsafe import Markup
from wtforms import SelectMultipleField
from wtforms.fields.choices import Choice
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, Select, html_params

DOMAIN = "wtforms"
_catalogues: dict[tuple[str, str], NullTranslations] = {}


def form_translations() -> NullTranslations:
    """Return the compiled WTForms catalogue of the current locale (English: none, as written)."""
    if not has_request_context():
        locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    else:
        locale = str(get_locale())
    folder = current_app.config["BABEL_TRANSLATION_DIRECTORIES"]
    key = (folder, locale)
    if key not in _catalogues:
        # Loaded once per worker: the .mo files change only with a deploy.
        _catalogues[key] = Translations.load(folder, [locale], domain=DOMAIN)
    return _catalogues[key]


class _Messages:
    """The translations object WTForms asks for each message (``field.gettext``)."""

    def gettext(self, string):
        return form_translations().gettext(string)

    def ngettext(self, singular, plural, n):
        return form_translations().ngettext(singular, plural, n)


messages = _Messages()


class _TranslatedCSRF(_FlaskFormCSRF):
    """Flask-WTF's form CSRF check, its reasons ("The CSRF token is missing.") translated."""

    def validate_csrf_token(self, form, field):
        try:
            super().validate_csrf_token(form, field)
        except ValidationError as error:
            raise ValidationError(field.gettext(error.args[0])) from error


class BaseForm(FlaskForm):
    """Every form of the site derives from this, so no message of the libraries stays English."""

    class Meta(FlaskForm.Meta):
        csrf_class = _TranslatedCSRF

        def get_translations(self, form):
            return messages


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (easier on a phone than a multi-select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class FixedListSelect(Select):
    """WTForms' Select for long lists of (value, label) pairs that never change at run time (provinces,
    wards): each list's options are rendered once per worker, and only the chosen one is marked per page.

    The same markup as Select, without rendering a hundred wards option by option on every contact
    page of the checkout (BENCHMARKS.md). The cache is keyed by the whole list, labels included.
    """

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        for name in self.validation_attrs:
            if getattr(field.flags, name, False) and name not in kwargs:
                kwargs[name] = getattr(field.flags, name)
        choices = tuple((value, str(label)) for value, label in field.choices)
        options = _rendered_options(choices)
        chosen = next((Choice(v, label, False, None) for v, label in choices if field.coerce(v) == field.data), None)
        if chosen is not None:
            options = options.replace(self.render_option(chosen), self.render_option(chosen._replace(selected=True)), 1)
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{options}</select>")


@lru_cache(maxsize=256)
def _rendered_options(choices: tuple) -> str:
    return "".join(Select.render_option(Choice(value, label, False, None)) for value, label in choices)
