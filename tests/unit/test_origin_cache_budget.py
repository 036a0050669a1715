"""The origin cache's byte budget: the oldest descriptions go first, the weight follows what is held."""

import pytest

from traceability.origin import cache


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def view(text: str) -> dict:
    return {"head": text, "top": "", "variants": {}}


def test_a_view_weighs_its_text():
    assert cache.weigh(view("x" * 100)) == 100
    assert cache.weigh({"a": "Chè", "b": ["ab", ("c",)], "n": None}) == 6 + 2 + 1  # non-ASCII: 2 bytes a character
    assert cache.weigh(["Chè".encode(), "count"]) == 4 + 5  # a variant's texts are UTF-8 bytes
    cache.put("k", view("x" * 100), ttl=60, max_bytes=10_000)
    assert cache.held_bytes() == 100
    cache.put("k", view("x" * 100), ttl=60, max_bytes=10_000, weight=250)  # the caller's own count
    assert cache.held_bytes() == 250


def test_past_the_budget_the_oldest_entries_are_dropped_not_the_whole_cache():
    budget = 3 * 100  # three views of 100 characters
    for key in "abcd":
        cache.put(key, view(key * 100), ttl=60, max_bytes=budget)
    assert [cache.get(key) is not None for key in "abcd"] == [False, True, True, True]
    assert cache.held_bytes() == budget


def test_replacing_an_entry_does_not_count_it_twice_and_a_view_over_the_budget_is_not_kept():
    cache.put("a", view("a" * 100), ttl=60, max_bytes=1000)
    cache.put("a", view("b" * 100), ttl=60, max_bytes=1000)
    assert cache.held_bytes() == 100 and cache.get("a")["head"] == "b" * 100
    cache.put("huge", view("h" * 1001), ttl=60, max_bytes=1000)
    assert cache.get("huge") is None and cache.held_bytes() <= 1000


def test_what_is_added_to_a_held_view_is_charged_and_drops_the_oldest_past_the_budget():
    a, b = view("a" * 100), view("b" * 100)
    cache.put("a", a, ttl=60, max_bytes=300)
    cache.put("b", b, ttl=60, max_bytes=300)
    cache.charge("b", b, 50, max_bytes=300)
    assert cache.held_bytes() == 250 and cache.get("a") is a
    cache.charge("b", b, 100, max_bytes=300)  # 350 > 300: "a", the oldest, goes
    assert cache.get("a") is None and cache.get("b") is b and cache.held_bytes() == 250
    cache.charge("b", view("other"), 1000, max_bytes=300)  # not the view held there: nothing counted
    cache.charge("gone", a, 1000, max_bytes=300)
    assert cache.held_bytes() == 250 and cache.get("b") is b


def test_expired_entries_are_not_served():
    cache.put("a", view("a"), ttl=-1, max_bytes=1000)
    assert cache.get("a") is None
