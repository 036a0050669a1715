"""Province and ward lists in the order a Vietnamese reader looks for a name: Đ right after D, not at the end."""

from storefront.addresses import THAI_NGUYEN, provinces, wards


def test_provinces_put_thai_nguyen_first_then_d_names_beside_d_and_cities_by_their_own_name():
    names = [name for _, name in provinces()]
    assert names[0] == "Thái Nguyên"
    assert names.index("Cao Bằng") < names.index("Đắk Lắk") < names.index("Gia Lai")
    assert names.index("Thành phố Đà Nẵng") < names.index("Điện Biên")
    assert names.index("Gia Lai") < names.index("Thành phố Hà Nội") < names.index("Hà Tĩnh")
    assert names[-1] == "Vĩnh Long"


def test_wards_starting_with_d_stroke_sit_after_the_d_ones_not_after_y():
    names = [name for _, name in wards(THAI_NGUYEN)]
    assert names[-1].startswith("Xã Y")
    communes = [name for name in names if name.startswith("Xã ")]
    d_stroke = [i for i, name in enumerate(communes) if name.startswith("Xã Đ")]
    e_or_later = [i for i, name in enumerate(communes) if name[3] in "EGHKLMNOPQRSTUVXY"]
    assert d_stroke and max(d_stroke) < min(e_or_later)
