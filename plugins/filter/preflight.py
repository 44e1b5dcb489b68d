# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Filters for the roles' preflight checks: dangerous paths, weak secrets, port clashes, typos.

Thin wrappers over plugins/plugin_utils/checks.py, which the settings filters call directly.
Each returns a list of problems (sentences naming the variable); empty means fine.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.plugin_utils import checks


def _dict(filter_name, value):
    # Mapping: hostvars[host] is one without being a dict; it is only read with .get().
    if not isinstance(value, Mapping):
        raise AnsibleFilterError('%s expects a dict, got %s' % (filter_name, type(value).__name__))
    return value


def _list(filter_name, value):
    if not isinstance(value, (list, tuple)):
        raise AnsibleFilterError('%s expects a list, got %s' % (filter_name, type(value).__name__))
    return list(value)


def path_problems(paths, foreign=None, what='directory'):
    return checks.path_problems(_dict('path_problems', paths), _dict('path_problems', foreign or {}), what)


def secret_problems(secrets, known=(), min_length=checks.MIN_SECRET_LENGTH):
    """``secrets``: {variable name: value} or a list of {name, value[, user][, required]}."""
    if isinstance(secrets, dict):
        secrets = [{'name': k, 'value': v} for k, v in secrets.items()]
    problems = []
    for item in _list('secret_problems', secrets):
        item = _dict('secret_problems', item)
        problems.extend(checks.secret_problems(item['name'], item.get('value'), user=item.get('user'),
                                               known=known, min_length=item.get('min_length', min_length),
                                               required=item.get('required', False)))
    return problems


def port_problems(claims):
    return checks.port_problems(_list('port_problems', claims))


def host_port_claims(own_claims, role, host_vars, group_names, role_groups=None):
    return checks.host_port_claims(role, _list('host_port_claims', own_claims), _dict('host_port_claims', host_vars),
                                   _list('host_port_claims', group_names), role_groups)


def ports_in_use_problems(claims, listening, own_units=(), own_users=()):
    return checks.ports_in_use_problems(_list('ports_in_use_problems', claims),
                                        _list('ports_in_use_problems', listening), _list('ports_in_use_problems', own_units),
                                        _list('ports_in_use_problems', own_users))


def unknown_variables(given, role, known):
    return checks.unknown_variables(role, _list('unknown_variables', given), _list('unknown_variables', known))


def unknown_keys(value, name, allowed):
    return checks.unknown_keys(name, value, _list('unknown_keys', allowed))


class FilterModule:
    """datamesh.platform preflight filters."""

    def filters(self):
        return {
            'path_problems': path_problems,
            'secret_problems': secret_problems,
            'port_problems': port_problems,
            'host_port_claims': host_port_claims,
            'ports_in_use_problems': ports_in_use_problems,
            'unknown_variables': unknown_variables,
            'unknown_keys': unknown_keys,
        }
