"""The catalogue's ward filter lists wards in Vietnamese order: Xã Đại Từ before Xã Yên Bình, not after it."""

from storefront.catalog.services import filter_choices
from tests.factories import make_producer

DAI_TU, YEN_BINH = 5830, 2116


def test_the_catalogue_ward_filter_puts_d_stroke_names_after_d_not_at_the_end(db):
    make_producer(ward_code=YEN_BINH)
    make_producer(ward_code=DAI_TU)
    db.session.commit()
    assert [name for _, name in filter_choices()["wards"]] == ["Xã Đại Từ", "Xã Yên Bình"]
