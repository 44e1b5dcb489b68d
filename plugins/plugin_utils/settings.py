# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""The common start of the roles' settings filters: check the variables, merge the defaults; how they refuse; and the
small checks and readers several of them share."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

try:
    from cryptography import x509
    HAS_CRYPTOGRAPHY = True
except ImportError:  # ansible-core depends on it; without it a certificate is only checked by its markers
    HAS_CRYPTOGRAPHY = False


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


def bounded_int(value, name, low, high, what='a number'):
    """``value`` as an int from ``low`` to ``high``; otherwise fail naming the variable ``name`` (booleans are not
    numbers here, though Python says they are)."""
    try:
        if isinstance(value, bool):
            raise TypeError
        number = int(value)
    except (TypeError, ValueError):
        number = low - 1
    if not low <= number <= high:
        fail('%s=%s must be %s between %d and %d', name, value, what, low, high)
    return number


def systemctl_show(text):
    """The output of ``systemctl show -p A -p B`` as a dict."""
    out = {}
    for line in to_text(text or '').splitlines():
        key, sep, value = line.partition('=')
        if sep:
            out[key.strip()] = value.strip()
    return out


def pem_certificate_problems(pem, name):
    """Why the non-empty text ``pem`` (the variable ``name``) is not one or more PEM certificates; [] when it is."""
    if '-----BEGIN CERTIFICATE-----' not in pem:
        return ['%s must be a PEM certificate (-----BEGIN CERTIFICATE-----)' % name]
    if HAS_CRYPTOGRAPHY:
        try:
            x509.load_pem_x509_certificates(pem.encode('utf-8'))
        except ValueError as exc:
            return ['%s is not a readable PEM certificate (%s)' % (name, exc)]
    return []
