"""The bounded, expiring cache behind the listing and page caches."""

from storefront.catalog.indexing import ListingCache


def test_a_value_computed_before_a_clear_is_not_stored_after_it():
    cache = ListingCache(30)
    generation = cache.generation
    cache.clear()  # a catalogue commit while the page was rendering
    cache.set("page", "old", generation)
    assert cache.get("page") is None
    cache.set("page", "new", cache.generation)
    assert cache.get("page") == "new"


def test_total_size_is_bounded_least_recently_used_out_first():
    cache = ListingCache(30, max_entries=10, max_weight=10, weigh=len)
    cache.set("a", "xxxx")
    cache.set("b", "xxxx")
    assert cache.get("a") == "xxxx"  # now b is the least recently used
    cache.set("c", "xxxx")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("xxxx", None, "xxxx")
    cache.set("huge", "x" * 11)
    assert cache.get("huge") is None and cache.get("a") == "xxxx"


def test_replacing_a_value_does_not_count_its_old_size():
    cache = ListingCache(30, max_weight=8, weigh=len)
    for _ in range(5):
        cache.set("a", "xxxx")
    cache.set("b", "xxxx")
    assert (cache.get("a"), cache.get("b")) == ("xxxx", "xxxx")


def test_entries_are_bounded_in_number_and_a_zero_lifetime_stores_nothing():
    cache = ListingCache(30, max_entries=2)
    for key in "abc":
        cache.set(key, key)
    assert [cache.get(key) for key in "abc"] == [None, "b", "c"]
    off = ListingCache(0)
    off.set("a", "a")
    assert off.get("a") is None
