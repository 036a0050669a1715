"""The province and ward selects: options rendered once per list, the same markup as WTForms' Select."""

import pytest
from wtforms import Form, SelectField
from wtforms.validators import DataRequired
from wtforms.widgets import Select

from storefront.forms import FixedListSelect

CHOICES = [(0, "— Chọn —"), (19, "Thái Nguyên"), (1, "Hà Nội & <Ba Đình>"), (191, 'Xã "Tân" Cương')]


def make_form(data, choices=CHOICES):
    class PlaceForm(Form):
        ward_code = SelectField(
            coerce=int, validate_choice=False, validators=[DataRequired()], widget=FixedListSelect()
        )

    form = PlaceForm(data={"ward_code": data})
    form.ward_code.choices = choices
    return form


@pytest.mark.parametrize("chosen", [None, 0, 19, 1, 191, 7])
def test_the_select_is_the_markup_of_wtforms_own_with_the_chosen_option_marked(chosen):
    field = make_form(chosen).ward_code
    attributes = {"aria-invalid": "true", "class": "wide"}
    assert field(**attributes) == Select()(field, **attributes)
    assert " required>" in field(**attributes)  # the validator's flag, as WTForms renders it
    assert field().count(" selected ") == (1 if chosen in (0, 19, 1, 191) else 0)


def test_the_same_list_chosen_differently_marks_only_the_new_choice():
    first, second = make_form(19).ward_code(), make_form(1).ward_code()
    assert '<option selected value="19">' in first and '<option selected value="1">' not in first
    assert '<option selected value="1">' in second and '<option selected value="19">' not in second


def test_a_list_with_other_labels_is_rendered_anew():
    renamed = [(code, name.upper()) for code, name in CHOICES]
    assert "THÁI NGUYÊN" in make_form(19, renamed).ward_code()
    assert "Thái Nguyên" in make_form(19).ward_code()
