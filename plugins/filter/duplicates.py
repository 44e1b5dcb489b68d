# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Filter ``duplicates``: the values that occur more than once in a list."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError


def duplicates(values):
    """Return each value that occurs more than once, in order of first repetition."""
    if not isinstance(values, (list, tuple)):
        raise AnsibleFilterError('duplicates expects a list, got %s' % type(values).__name__)
    seen = []
    repeated = []
    for value in values:
        if value in seen:
            if value not in repeated:
                repeated.append(value)
        else:
            seen.append(value)
    return repeated


class FilterModule:
    """datamesh.platform filters."""

    def filters(self):
        return {'duplicates': duplicates}
