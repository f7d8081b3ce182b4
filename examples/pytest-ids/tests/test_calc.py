import pytest


class TestAdd:
    @pytest.mark.parametrize("a, b, total", [(1, 2, 3), (0.5, 0.25, 0.75)], ids=["ints", "1.5/2::floats"])
    def test_sum(self, a, b, total):
        assert a + b == total


def test_divide():
    assert 6 / 3 == 2
