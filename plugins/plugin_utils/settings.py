# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""The common start of the roles' settings filters: check the variables, merge the defaults; and how they refuse."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError


def role_params(filter_name, params, defaults, required):
    """Return ``params`` over ``defaults``; refuse a non-dict, unknown keys and empty required keys.

    The messages name the filter (``<filter_name>: unknown settings a, b``).
    """
    if not isinstance(params, dict):
        raise AnsibleFilterError('%s expects a dict, got %s' % (filter_name, type(params).__name__))
    unknown = sorted(set(params) - set(defaults) - set(required))
    if unknown:
        raise AnsibleFilterError('%s: unknown settings %s' % (filter_name, ', '.join(unknown)))
    merged = dict(defaults, **params)
    for key in required:
        if not merged.get(key):
            raise AnsibleFilterError('%s: %s is required' % (filter_name, key))
    return merged


def fail(message, *args):
    """Raise the filter error ``message`` (``%`` formatted with ``args`` when given)."""
    raise AnsibleFilterError(message % args if args else message)


def refuse(problems):
    """Fail with every problem of one class, the first on top; nothing when there is none."""
    if problems:
        fail('\n'.join(problems))
