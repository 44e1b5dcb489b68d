"""Shared scaffolding of the module unit tests: exit_json/fail_json become exceptions."""

from __future__ import annotations

from ansible.module_utils import basic


class ExitJson(Exception):
    """Raised instead of AnsibleModule.exit_json; args[0] is the result."""


class FailJson(Exception):
    """Raised instead of AnsibleModule.fail_json; args[0] is the result, msg included."""


def patch_module_exits(monkeypatch):
    """Make exit_json/fail_json raise, and collect module warnings; returns the warnings list."""
    def exit_json(self, **kwargs):
        raise ExitJson(kwargs)

    def fail_json(self, msg, **kwargs):
        kwargs['msg'] = msg
        raise FailJson(kwargs)

    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, w: warnings.append(w))
    return warnings
