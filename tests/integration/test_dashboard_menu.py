"""The office's and the producer's section menus mark the section the page belongs to."""

import re

from tests.factories import make_batch, make_product
from tests.factories_office import office  # noqa: F401 (a fixture)
from tests.factories_producer import owner  # noqa: F401 (a fixture)


def _current(page: str) -> list[str]:
    """The links the section menu marks as the current page."""
    menu = re.search(r'<nav class="dash-nav.*?</nav>', page, re.S).group(0)
    return re.findall(r'<a href="([^"]+)" aria-current="page">', menu)


def test_the_office_menu_marks_the_section_of_each_page(client, db, office):
    assert _current(client.get("/office/").get_data(as_text=True)) == ["/office/"]
    # A sub-page marks its section; /office/producers is not /office/products; the overview only on its own page.
    assert _current(client.get("/office/certificates/new").get_data(as_text=True)) == ["/office/certificates"]
    assert _current(client.get("/office/producers").get_data(as_text=True)) == ["/office/producers"]
    assert _current(client.get("/office/products").get_data(as_text=True)) == ["/office/products"]


def test_the_producer_menu_marks_the_section_of_each_page(client, db, owner):
    batch = make_batch(product=make_product(producer=owner))
    db.session.commit()
    assert _current(client.get("/producer/").get_data(as_text=True)) == ["/producer/"]
    assert _current(client.get(f"/producer/batches/{batch.id}").get_data(as_text=True)) == ["/producer/batches"]
    assert _current(client.get("/producer/products").get_data(as_text=True)) == ["/producer/products"]
