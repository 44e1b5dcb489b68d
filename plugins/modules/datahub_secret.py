#!/usr/bin/python
# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r'''
module: datahub_secret
short_description: Manage a DataHub secret, for references such as ${NAME} in ingestion recipes
version_added: 0.2.0
description:
  - Creates, updates and deletes one secret of DataHub 1.x (Ingestion > Secrets in DataHub's UI) through
    DataHub's GraphQL API. DataHub stores the value encrypted and puts it in place of C(${NAME}) when it runs
    a recipe (see M(datamesh.platform.datahub_ingestion_source)).
  - DataHub lists secrets without their values. It hands out plaintext values only through C(getSecretValues),
    which this module deliberately never calls, so an existing value is not compared. As with
    O(ansible.builtin.user#module:update_password), O(update_value) chooses whether an existing secret keeps its
    value (V(on_create)) or gets O(value) on every run (V(always)).
author:
  - datamesh.platform maintainers (!UNKNOWN)
extends_documentation_fragment:
  - datamesh.platform.datahub
  - datamesh.platform.datahub.attributes
attributes:
  check_mode:
    support: full
    details:
      - Only queries are sent; RV(actions) lists the mutations that would be sent.
  diff_mode:
    support: full
    details:
      - The diff holds the secret's name and description before and after; the value is shown masked, as
        C(******** (written)) when the task writes it.
  idempotent:
    support: partial
    details:
      - Full with O(update_value=on_create). With O(update_value=always) the value is written and C(changed)
        reported on every run, because DataHub cannot tell whether it differs.
options:
  name:
    description:
      - Name of the secret, used as C(${NAME}) in recipes.
      - With O(state=present), letters, digits and underscores, not starting with a digit, the names DataHub can
        resolve as C(${NAME}).
    type: str
    required: true
  value:
    description:
      - The secret value. Never logged nor returned.
      - Required with O(state=present).
    type: str
  description:
    description:
      - Description of the secret. Not changed when not set.
      - DataHub changes a description only together with the value, so with O(update_value=on_create) a different
        description of an existing secret is reported in a warning and left as it is.
    type: str
  state:
    description:
      - V(present) creates the secret when it does not exist, and writes O(value) to an existing one according to
        O(update_value).
      - V(absent) deletes it. Recipes that refer to it fail when they run next.
    type: str
    choices: [present, absent]
    default: present
  update_value:
    description:
      - V(on_create) writes O(value) only when the secret is created; an existing secret keeps its value and the
        task reports C(changed=false).
      - V(always) writes O(value) (and O(description)) to an existing secret on every run and reports C(changed=true).
    type: str
    choices: [always, on_create]
    default: on_create
notes:
  - No DataHub server runs in this project's test environment. The module is unit-tested against a
    hand-written protocol double of DataHub's GraphQL API that checks every query and mutation against
    the field names of DataHub's schema; it has not been run against a real DataHub.
  - The token's user needs the Manage Secrets privilege.
seealso:
  - module: datamesh.platform.datahub_ingestion_source
  - name: DataHub secrets
    description: Secrets in DataHub's UI ingestion.
    link: https://github.com/datahub-project/datahub/blob/master/docs/ui-ingestion.md
'''

EXAMPLES = r'''
- name: The Trino password of the DataHub ingestion, written once
  datamesh.platform.datahub_secret:
    url: https://datahub.example.com:8080
    token: "{{ vault_datahub_token }}"
    name: TRINO_PASSWORD
    value: "{{ vault_trino_datahub_password }}"
    description: Password of Trino user datahub
  delegate_to: localhost

- name: Rotate it - the value is written on every run
  datamesh.platform.datahub_secret:
    url: https://datahub.example.com:8080
    token: "{{ vault_datahub_token }}"
    name: TRINO_PASSWORD
    value: "{{ vault_trino_datahub_password_new }}"
    update_value: always
  delegate_to: localhost

- name: Delete a secret no recipe uses any more
  datamesh.platform.datahub_secret:
    url: https://datahub.example.com:8080
    token: "{{ vault_datahub_token }}"
    name: MYSQL_LEGACY_PASSWORD
    state: absent
  delegate_to: localhost
'''

RETURN = r'''
urn:
  description:
    - URN of the secret, C(urn:li:dataHubSecret:<name>); V(null) when there is none (O(state=absent), or a
      secret that check mode would create).
  returned: always
  type: str
  sample: urn:li:dataHubSecret:TRINO_PASSWORD
secret:
  description:
    - Name and description of the secret after the task (in check mode, as they would be); V(null) with
      O(state=absent). Never the value.
  returned: always
  type: dict
  sample: {name: TRINO_PASSWORD, description: Password of Trino user datahub}
actions:
  description:
    - The mutations sent, in order (in check mode, the ones that would be sent).
  returned: always
  type: list
  elements: str
  sample: [createSecret]
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.datamesh.platform.plugins.module_utils.datahub import (
    CREATE_SECRET,
    DELETE_SECRET,
    LIST_SECRETS,
    MASK,
    SECRET_NAME_RE,
    UPDATE_SECRET,
    DataHubClient,
    DataHubError,
    DataHubObjectManager,
    datahub_argument_spec,
    find_by_name,
    is_loopback_url,
)


class SecretManager(DataHubObjectManager):
    def find(self):
        found = find_by_name(self.client, LIST_SECRETS, 'listSecrets', 'listSecrets', 'secrets', self.name)
        # A secret's urn is made from its name (CreateSecretResolver), so there is at most one.
        return found[0] if found else None

    def present(self):
        p = self.params
        current = self.find()
        if current is None:
            secret = dict(name=self.name, value=p['value'])
            if p['description'] is not None:
                secret['description'] = p['description']
            self.urn = self.write(CREATE_SECRET, {'input': secret}, 'createSecret')
            return None, dict(name=self.name, description=p['description'], value=MASK + ' (written)')
        self.urn = current['urn']
        before = dict(name=current['name'], description=current.get('description'), value=MASK)
        description = p['description'] if p['description'] is not None else current.get('description')
        if p['update_value'] == 'always':
            secret = dict(urn=current['urn'], name=self.name, value=p['value'])
            if description is not None:
                secret['description'] = description
            self.write(UPDATE_SECRET, {'input': secret}, 'updateSecret')
            return before, dict(name=self.name, description=description, value=MASK + ' (written)')
        if description != current.get('description'):
            self.module.warn('secret %s has another description in DataHub; DataHub changes a description only together '
                             'with the value, so it is left as it is (use update_value: always to write both)' % self.name)
        return before, dict(before)

    def absent(self):
        current = self.find()
        if current is None:
            return None, None
        self.urn = current['urn']
        self.write(DELETE_SECRET, {'urn': current['urn']}, 'deleteSecret')
        self.urn = None
        return dict(name=current['name'], description=current.get('description'), value=MASK), None


def main():
    argument_spec = datahub_argument_spec()
    argument_spec.update(
        name=dict(type='str', required=True),
        value=dict(type='str', no_log=True),
        description=dict(type='str'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        update_value=dict(type='str', default='on_create', choices=['always', 'on_create']),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[('state', 'present', ['value'])],
    )
    p = module.params
    if p['state'] == 'present' and not SECRET_NAME_RE.match(p['name']):
        module.fail_json(msg='secret name %r: use letters, digits and underscores, not starting with a digit; DataHub '
                             'resolves only such names as ${NAME} in a recipe' % p['name'], actions=[])
    try:
        client = DataHubClient.from_params(p)
    except ValueError as e:
        module.fail_json(msg='%s' % e, actions=[])
    if p['token'] and p['url'].startswith('http://') and not is_loopback_url(p['url']):
        module.warn('the token is sent over plain http to %s; use https outside a test setup' % p['url'])

    manager = SecretManager(module, client)
    try:
        before, after = manager.present() if p['state'] == 'present' else manager.absent()
    except DataHubError as e:
        # The client has removed the token; the value is removed here as well, should DataHub echo it
        # (Ansible masks no_log values in the result too).
        text = '%s' % e
        if p['value']:
            text = text.replace(p['value'], MASK)
        manager.fail('secret %s: %s' % (p['name'], text))

    result = dict(
        changed=bool(manager.actions),
        urn=manager.urn,
        secret=dict(name=after['name'], description=after['description']) if after else None,
        actions=manager.actions,
    )
    if module._diff:
        result['diff'] = dict(before=dict(before, state='present') if before else {'state': 'absent'},
                              after=dict(after, state='present') if after else {'state': 'absent'})
    module.exit_json(**result)


if __name__ == '__main__':
    main()
