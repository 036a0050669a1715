"""The OCOP star bands: <30 1★, 30–49 2★, 50–69 3★, 70–89 4★, 90–100 5★."""

import pytest

from storefront.office.scoring import star_band


@pytest.mark.parametrize(
    ("score", "stars"),
    [(0, 1), (29, 1), (30, 2), (49, 2), (50, 3), (69, 3), (70, 4), (89, 4), (90, 5), (100, 5)],
)
def test_score_falls_in_its_star_band(score, stars):
    assert star_band(score) == stars


@pytest.mark.parametrize("score", [-1, 101])
def test_scores_outside_0_to_100_are_refused(score):
    with pytest.raises(ValueError):
        star_band(score)
