from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.filter.duplicates import FilterModule, duplicates


@pytest.mark.parametrize('values, expected', [
    ([], []),
    ([3307, 3308], []),
    ([3307, 3308, 3307], [3307]),
    (['b', 'a', 'b', 'a', 'b'], ['b', 'a']),
    ([{'p': 1}, {'p': 1}], [{'p': 1}]),   # unhashable values work too
    ((1, 1), [1]),
])
def test_duplicates(values, expected):
    assert duplicates(values) == expected


def test_rejects_non_list():
    with pytest.raises(AnsibleFilterError, match='expects a list, got str'):
        duplicates('3307')


def test_registered_name():
    assert FilterModule().filters()['duplicates'] is duplicates
