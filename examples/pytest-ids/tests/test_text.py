import pytest


@pytest.mark.parametrize("word", ["kube", "test", "key"])
def test_upper(word):
    assert word.upper().lower() == word
