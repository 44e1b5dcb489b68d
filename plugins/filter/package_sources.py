# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Filters ``pip_extra_args`` and ``npm_registry``: where the hosts' pip and npm install from.

Both read the collection-wide settings of an air-gapped site (``datamesh_pip_find_links``,
``datamesh_pip_index_url``, ``datamesh_npm_registry``; see docs/offline.md) and refuse values that
would leak or mislead: the pip and npm modules return their command lines, which Ansible prints at
-v, so a URL with a password in it is refused (credentials belong in pip.conf, .netrc or .npmrc).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ansible.errors import AnsibleFilterError

_SCHEMES = ('http', 'https')


def _check_url(value, variable, allow_path=False):
    if value is None:
        return ''
    if not isinstance(value, str):
        raise AnsibleFilterError('%s must be a string (a URL%s), got %s'
                                 % (variable, ' or an absolute path' if allow_path else '', type(value).__name__))
    value = value.strip()
    if not value:
        return ''
    if re.search(r'\s', value):
        raise AnsibleFilterError('%s must not contain white space: %r' % (variable, value))
    if allow_path and value.startswith('/'):
        return value
    parts = urlsplit(value)
    if parts.scheme not in _SCHEMES + (('file',) if allow_path else ()) or (parts.scheme != 'file' and not parts.hostname):
        raise AnsibleFilterError('%s must be an http(s) URL%s, got %r'
                                 % (variable, ', a file: URL or an absolute path on the hosts' if allow_path else '', value))
    if parts.username is not None or parts.password is not None:
        raise AnsibleFilterError(
            '%s must not carry credentials (user:password@): pip and npm print their command line, and Ansible shows it. '
            'Put them into the hosts\' pip.conf or .netrc (pip) or .npmrc (npm) instead.' % variable)
    return value


def pip_extra_args(find_links, index_url=''):
    """pip's options for the hosts: ``--no-index --find-links X`` (a mirror, nothing else), ``--index-url Y`` (a
    PyPI proxy), both (the proxy and the mirror), or ``''`` (PyPI). pip ignores a plain-http location unless its
    host is named with ``--trusted-host``, which is added for it (a site's internal mirror often is plain http)."""
    links = _check_url(find_links, 'datamesh_pip_find_links', allow_path=True)
    index = _check_url(index_url, 'datamesh_pip_index_url')
    args = []
    if index:
        args += ['--index-url', index]
    elif links:
        args.append('--no-index')
    if links:
        args += ['--find-links', links]
    trusted = []
    for url in (index, links):
        parts = urlsplit(url)
        if parts.scheme == 'http' and parts.netloc not in trusted:
            trusted.append(parts.netloc)
    for netloc in trusted:
        args += ['--trusted-host', netloc]
    return ' '.join(args)


def npm_registry(url):
    """The registry the hosts' npm installs from (``''``: npm's default, registry.npmjs.org)."""
    value = _check_url(url, 'datamesh_npm_registry')
    if value and not value.endswith('/'):
        value += '/'
    return value


class FilterModule:
    """datamesh.platform filters."""

    def filters(self):
        return {'pip_extra_args': pip_extra_args, 'npm_registry': npm_registry}
