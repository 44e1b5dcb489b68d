#!/usr/bin/python
# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r'''
module: datahub_ingestion_source
short_description: Manage a DataHub ingestion source (UI ingestion) through DataHub's GraphQL API
version_added: 0.2.0
description:
  - Creates, updates and deletes one ingestion source of DataHub 1.x, the recipe that DataHub's own executor
    runs on a schedule or on demand (Ingestion in DataHub's UI), and can run it and wait for the result.
  - The source is identified by its O(name). DataHub does not require names to be unique; this module does, and
    fails when two sources share the name.
  - The recipe is compared by meaning, not as text. The recipe DataHub holds is parsed, and so is O(recipe)
    (a dictionary, or a JSON or YAML text), so key order and formatting never cause a change.
  - Secrets are never written into a recipe. Every value under a key that names a secret (C(password),
    C(token), C(client_secret), C(private_key), C(access_key), C(api_key), ...) must be a reference
    C(${NAME}) to a DataHub secret (see M(datamesh.platform.datahub_secret)); otherwise the module fails
    before it sends anything, naming the key, never the value.
  - The source gets exactly what the task gives. Like DataHub's UI, an update replaces the whole source, so
    an option left out (a schedule, O(cli_version), O(extra_args)) is removed from an existing source.
author:
  - datamesh.platform maintainers (!UNKNOWN)
extends_documentation_fragment:
  - datamesh.platform.datahub
  - datamesh.platform.datahub.attributes
attributes:
  check_mode:
    support: full
    details:
      - Only queries are sent; RV(actions) lists the mutations that would be sent. No execution is requested.
  diff_mode:
    support: full
    details:
      - The diff holds the source (name, type, schedule, recipe, executor and the other options) before and after.
        Recipes hold only references to secrets, so the diff holds no secret.
  idempotent:
    support: partial
    details:
      - Full, except with O(run=always), which requests an execution on every run and so always reports
        C(changed).
options:
  name:
    description:
      - Display name of the ingestion source, which identifies it.
    type: str
    required: true
  state:
    description:
      - V(present) creates the source, or updates it when it differs from the task.
      - V(absent) deletes it. Its past executions and the metadata it ingested stay in DataHub.
    type: str
    choices: [present, absent]
    default: present
  type:
    description:
      - Type of the source, the DataHub source plugin, for example V(trino), V(dbt), V(mysql).
      - Must equal C(source.type) of O(recipe), as DataHub requires; taken from there when not set.
    type: str
  description:
    description:
      - Description sent with the source.
      - DataHub 1.x accepts it in its input but neither stores nor returns it (the ingestion source has no
        description field), so it is not compared and never causes a change.
    type: str
  recipe:
    description:
      - The recipe, as a dictionary, or as a JSON or YAML text (for example from a C(lookup('file', ...))).
        Reading a YAML text needs PyYAML on the host running the module.
      - Needs C(source.type) and C(source.config). Without a C(sink), DataHub's executor sends the metadata to
        the DataHub that runs it.
      - Values of secret-looking keys must be C(${NAME}) references to DataHub secrets; see the description.
      - Required with O(state=present).
    type: raw
  schedule:
    description:
      - When DataHub runs the source by itself. Without it the source runs only on demand (O(run), or the UI), and
        a schedule the source had is removed.
    type: dict
    suboptions:
      interval:
        description:
          - Cron expression with 5 fields (minute hour day-of-month month day-of-week), for example
            V(0 2 * * *) for every day at 02:00. Checked before anything is sent.
        type: str
        required: true
      timezone:
        description:
          - Time zone of O(schedule.interval), a name such as V(Europe/Berlin) or V(UTC).
        type: str
        default: UTC
  executor_id:
    description:
      - Executor that runs the source. V(default) is the executor of DataHub's C(datahub-actions) container.
    type: str
    default: default
  cli_version:
    description:
      - Version of the DataHub CLI (C(acryl-datahub)) the executor runs the recipe with, for example V(1.2.0).
        When not set, the executor uses its own default.
    type: str
  debug_mode:
    description:
      - Run the ingestion with debug logging.
    type: bool
    default: false
  extra_args:
    description:
      - Extra arguments of the run (C(config.extraArgs)), for example C(extra_pip_requirements).
      - Values that are not strings are sent as JSON (V(true), V(["a", "b"])).
    type: dict
  run:
    description:
      - Request an execution of the source after it was created or updated.
      - V(never) requests none. V(on_change) requests one when the source was created or changed. V(always)
        requests one on every run of the task.
      - Ignored with O(state=absent).
    type: str
    choices: [never, on_change, always]
    default: never
  wait:
    description:
      - After requesting an execution, wait until it has finished, and fail unless it succeeded.
      - A failed execution fails the task with the end of its report, with the values of secret-looking keys
        and the token masked.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait for the execution with O(wait=true). When they have passed, the task fails; the
        execution keeps running in DataHub.
    type: int
    default: 3600
notes:
  - No DataHub server runs in this project's test environment. The module is unit-tested against a
    hand-written protocol double of DataHub's GraphQL API that checks every query and mutation against
    the field names of DataHub's schema; it has not been run against a real DataHub.
  - The name is looked up with DataHub's search (C(listIngestionSources) with the name as query, then an exact
    match). When the search finds no source of that name, the whole list is read once more before the source
    is created, so a name the search cannot find is not created twice. A source created a moment before may not
    be searchable yet (DataHub's search index is updated asynchronously).
  - The token's user needs the Manage Metadata Ingestion privilege.
seealso:
  - module: datamesh.platform.datahub_secret
  - name: DataHub UI ingestion
    description: Ingestion sources, secrets and executors in DataHub's UI.
    link: https://github.com/datahub-project/datahub/blob/master/docs/ui-ingestion.md
  - name: DataHub recipes
    description: The recipe format, sources and sinks.
    link: https://github.com/datahub-project/datahub/blob/master/metadata-ingestion/recipe_overview.md
'''

EXAMPLES = r'''
- name: A DataHub secret holding the Trino password
  datamesh.platform.datahub_secret:
    url: https://datahub.example.com:8080
    token: "{{ vault_datahub_token }}"
    name: TRINO_PASSWORD
    value: "{{ vault_trino_datahub_password }}"
  delegate_to: localhost

- name: Trino metadata into DataHub every night, the password as a secret reference
  datamesh.platform.datahub_ingestion_source:
    url: https://datahub.example.com:8080
    token: "{{ vault_datahub_token }}"
    name: trino-lake
    recipe:
      source:
        type: trino
        config:
          host_port: trino.example.com:8443
          database: lake
          username: datahub
          password: "${TRINO_PASSWORD}"
    schedule:
      interval: "0 2 * * *"
      timezone: Europe/Berlin
  delegate_to: localhost

- name: The dbt project's metadata, recipe from a YAML file, run now when it changed and wait for the result
  datamesh.platform.datahub_ingestion_source:
    url: https://datahub.example.com:8080
    token: "{{ vault_datahub_token }}"
    name: dbt-datamesh-seed
    recipe: "{{ lookup('ansible.builtin.file', 'files/dbt_recipe.yml') }}"
    cli_version: 1.2.0
    extra_args:
      extra_pip_requirements: '["acryl-datahub[dbt]"]'
    run: on_change
    wait: true
    wait_timeout: 1800
  delegate_to: localhost

- name: Connection options once for all DataHub modules
  module_defaults:
    group/datamesh.platform.datahub:
      url: https://datahub.example.com:8080
      token: "{{ vault_datahub_token }}"
      ca_path: /etc/ssl/certs/datamesh-ca.pem
  block:
    - name: Remove an old source
      datamesh.platform.datahub_ingestion_source:
        name: mysql-legacy
        state: absent
      delegate_to: localhost
'''

RETURN = r'''
urn:
  description:
    - URN of the ingestion source, for example C(urn:li:dataHubIngestionSource:7d5f...).
    - V(null) when there is none (O(state=absent), or a source that check mode would create).
  returned: always
  type: str
  sample: urn:li:dataHubIngestionSource:0b5d2f3a-52bb-4d5a-9d0e-3c1f1b1f3e10
source:
  description:
    - The source after the task (in check mode, as it would be); V(null) with O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: Name of the source.
      type: str
    type:
      description: Type of the source (C(source.type) of the recipe).
      type: str
    schedule:
      description: C(interval) and C(timezone), or V(null) for a source that runs on demand only.
      type: dict
    recipe:
      description: The recipe, as a dictionary.
      type: dict
    executor_id:
      description: The executor that runs the source.
      type: str
    cli_version:
      description: Version of the DataHub CLI the executor uses, or V(null) for its default.
      type: str
    debug_mode:
      description: Whether the source runs with debug logging.
      type: bool
    extra_args:
      description: Extra arguments of the run.
      type: dict
  sample:
    name: trino-lake
    type: trino
    schedule: {interval: "0 2 * * *", timezone: Europe/Berlin}
    recipe: {source: {type: trino, config: {host_port: "trino.example.com:8443", password: "${TRINO_PASSWORD}"}}}
    executor_id: default
    cli_version: null
    debug_mode: false
    extra_args: {}
actions:
  description:
    - The mutations sent, in order (in check mode, the ones that would be sent).
  returned: always
  type: list
  elements: str
  sample: [createIngestionSource, createIngestionExecutionRequest]
execution:
  description:
    - The execution requested by O(run). Its C(status) is known with O(wait=true) only.
  returned: when an execution was requested, or in check mode would be
  type: dict
  contains:
    urn:
      description: URN of the execution request; V(null) in check mode.
      type: str
    status:
      description:
        - Final status with O(wait=true), for example C(SUCCESS) or C(SUCCEEDED_WITH_WARNINGS); otherwise V(null).
      type: str
    start_time_ms:
      description: Start of the execution, in milliseconds since the epoch.
      type: int
    duration_ms:
      description: Duration of the execution in milliseconds.
      type: int
  sample: {urn: "urn:li:dataHubExecutionRequest:5f0c8a1e", status: SUCCESS, start_time_ms: 1767225600000, duration_ms: 93000}
'''

import json

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.datamesh.platform.plugins.module_utils.datahub import (
    CREATE_EXECUTION_REQUEST,
    CREATE_INGESTION_SOURCE,
    DELETE_INGESTION_SOURCE,
    EXECUTION_SUCCESS,
    GET_INGESTION_SOURCE,
    LIST_INGESTION_SOURCES,
    UPDATE_INGESTION_SOURCE,
    DataHubClient,
    DataHubError,
    DataHubObjectManager,
    canonical_json,
    clear_secrets_problem,
    cron_problem,
    datahub_argument_spec,
    execution_state,
    find_by_name,
    is_loopback_url,
    normalize_cron,
    parse_recipe,
    recipe_source_type,
    report_tail,
    wait_for_execution,
)

POLL_INTERVAL = 10.0


def extra_arg_value(value):
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def wanted_source(params):
    """(the source the task asks for, in the module's shape; or None) and an error message or None.
    Pure: everything here is checked before any request."""
    try:
        recipe = parse_recipe(params['recipe'])
    except ValueError as e:
        return None, 'recipe: %s' % e
    recipe_type = recipe_source_type(recipe)
    if recipe_type is None:
        return None, ('the recipe needs source.type, the DataHub source plugin (for example trino or dbt), '
                      'and source.config')
    source_type = params['type'] or recipe_type
    if source_type != recipe_type:
        return None, ('type %r differs from the recipe\'s source.type %r; DataHub needs them equal (or leave type '
                      'out to take it from the recipe)' % (source_type, recipe_type))
    problem = clear_secrets_problem(recipe)
    if problem:
        return None, problem
    schedule = None
    if params['schedule'] is not None:
        problem = cron_problem(params['schedule']['interval'])
        if problem:
            return None, problem
        timezone = (params['schedule'].get('timezone') or '').strip()
        if not timezone:
            return None, 'schedule.timezone is empty; give a time zone name such as UTC or Europe/Berlin'
        schedule = dict(interval=normalize_cron(params['schedule']['interval']), timezone=timezone)
    if not (params['executor_id'] or '').strip():
        return None, 'executor_id is empty; DataHub\'s own executor is "default"'
    return dict(
        name=params['name'],
        type=source_type,
        schedule=schedule,
        recipe=recipe,
        executor_id=params['executor_id'],
        cli_version=params['cli_version'] or None,
        debug_mode=bool(params['debug_mode']),
        extra_args=dict(('%s' % k, extra_arg_value(v)) for k, v in (params['extra_args'] or {}).items()),
    ), None


def current_source(answer):
    """An ingestionSource answer in the module's shape (see wanted_source)."""
    config = answer.get('config') or {}
    schedule = answer.get('schedule')
    recipe = config.get('recipe')
    try:
        recipe = json.loads(recipe) if isinstance(recipe, str) else recipe
    except ValueError:
        pass        # kept as text: it differs from any wanted recipe, so the source gets updated
    return dict(
        name=answer.get('name'),
        type=answer.get('type'),
        schedule=(dict(interval=schedule.get('interval'), timezone=schedule.get('timezone') or 'UTC')
                  if schedule else None),
        recipe=recipe,
        executor_id=config.get('executorId') or 'default',
        cli_version=config.get('version') or None,
        debug_mode=bool(config.get('debugMode')),
        extra_args=dict((e.get('key'), e.get('value')) for e in config.get('extraArgs') or []),
    )


def source_input(want, description):
    """UpdateIngestionSourceInput (ingestion.graphql) for the wanted source."""
    config = dict(recipe=canonical_json(want['recipe']), executorId=want['executor_id'], debugMode=want['debug_mode'])
    if want['cli_version']:
        config['version'] = want['cli_version']
    if want['extra_args']:
        config['extraArgs'] = [dict(key=k, value=v) for k, v in sorted(want['extra_args'].items())]
    result = dict(name=want['name'], type=want['type'], config=config)
    if description is not None:
        result['description'] = description
    if want['schedule']:
        result['schedule'] = dict(want['schedule'])
    return result


class IngestionSourceManager(DataHubObjectManager):
    def __init__(self, module, client):
        super().__init__(module, client)
        self.execution = None

    def query(self, document, variables, operation):
        return self.client.graphql(document, variables, operation)

    def find(self):
        """The urn and current state of the source named self.name, or (None, None)."""
        found = find_by_name(self.client, LIST_INGESTION_SOURCES, 'listIngestionSources', 'listIngestionSources',
                             'ingestionSources', self.name)
        if len(found) > 1:
            self.fail('%d ingestion sources are named %r (%s); this module identifies a source by its name: rename or '
                      'delete all but one in DataHub first' % (len(found), self.name,
                                                               ', '.join(sorted(s.get('urn') or '?' for s in found))))
        if not found:
            return None, None
        urn = found[0]['urn']
        answer = self.query(GET_INGESTION_SOURCE, {'urn': urn}, 'ingestionSource').get('ingestionSource')
        if not answer:
            # listed by the search index but gone (deleted a moment ago)
            return None, None
        return urn, current_source(answer)

    def present(self, want):
        urn, before = self.find()
        self.urn = urn
        changed = before != want
        if before is None:
            created = self.write(CREATE_INGESTION_SOURCE, {'input': source_input(want, self.params['description'])},
                                 'createIngestionSource')
            self.urn = created
        elif changed:
            self.write(UPDATE_INGESTION_SOURCE, {'urn': urn, 'input': source_input(want, self.params['description'])},
                       'updateIngestionSource')
        run = self.params['run']
        if run == 'always' or (run == 'on_change' and changed):
            self.run_source()
        return before, want

    def absent(self):
        urn, before = self.find()
        self.urn = urn
        if before is not None:
            self.write(DELETE_INGESTION_SOURCE, {'urn': urn}, 'deleteIngestionSource')
            self.urn = None
        return before, None

    def run_source(self):
        requested = self.write(CREATE_EXECUTION_REQUEST, {'input': {'ingestionSourceUrn': self.urn}},
                               'createIngestionExecutionRequest')
        self.execution = dict(urn=requested, status=None, start_time_ms=None, duration_ms=None)
        if self.module.check_mode or not self.params['wait']:
            return
        request, timed_out = wait_for_execution(self.client, requested, self.params['wait_timeout'], POLL_INTERVAL)
        state = execution_state(request)
        state['urn'] = state['urn'] or requested
        self.execution = state
        if timed_out:
            self.fail('ingestion source %r: execution %s has not finished within %d s (status %s); it keeps running in '
                      'DataHub' % (self.name, requested, self.params['wait_timeout'], state['status'] or 'not started'),
                      execution=state)
        if state['status'] not in EXECUTION_SUCCESS:
            report = ((request or {}).get('result') or {}).get('report')
            msg = 'ingestion source %r: execution %s ended with status %s' % (self.name, requested, state['status'])
            if state['duration_ms'] is not None:
                msg += ' after %.0f s' % (state['duration_ms'] / 1000.0)
            tail = report_tail(report, self.client.token) if report else ''
            msg += ('. End of its report (secret values masked):\n%s' % tail) if tail else ' (no report)'
            self.fail(msg, execution=state)


def main():
    argument_spec = datahub_argument_spec()
    argument_spec.update(
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        type=dict(type='str'),
        description=dict(type='str'),
        recipe=dict(type='raw'),
        schedule=dict(type='dict', options=dict(
            interval=dict(type='str', required=True),
            timezone=dict(type='str', default='UTC'),
        )),
        executor_id=dict(type='str', default='default'),
        cli_version=dict(type='str'),
        debug_mode=dict(type='bool', default=False),
        extra_args=dict(type='dict'),
        run=dict(type='str', default='never', choices=['never', 'on_change', 'always']),
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=3600),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[('state', 'present', ['recipe'])],
    )
    p = module.params
    if not p['name'] or not p['name'].strip():
        module.fail_json(msg='name is empty', actions=[])
    want = None
    if p['state'] == 'present':
        want, problem = wanted_source(p)
        if problem:
            module.fail_json(msg='ingestion source %r: %s' % (p['name'], problem), actions=[])
        if p['wait_timeout'] < 0:
            module.fail_json(msg='wait_timeout must not be negative', actions=[])
    try:
        client = DataHubClient.from_params(p)
    except ValueError as e:
        module.fail_json(msg='%s' % e, actions=[])
    if p['token'] and p['url'].startswith('http://') and not is_loopback_url(p['url']):
        module.warn('the token is sent over plain http to %s; use https outside a test setup' % p['url'])

    manager = IngestionSourceManager(module, client)
    try:
        if p['state'] == 'present':
            before, after = manager.present(want)
        else:
            before, after = manager.absent()
    except DataHubError as e:
        manager.fail('ingestion source %r: %s' % (p['name'], e))

    result = dict(
        changed=bool(manager.actions),
        urn=manager.urn,
        source=after,
        actions=manager.actions,
    )
    if manager.execution is not None:
        result['execution'] = manager.execution
    if module._diff:
        result['diff'] = dict(before=dict(before, state='present') if before else {'state': 'absent'},
                              after=dict(after, state='present') if after else {'state': 'absent'})
    module.exit_json(**result)


if __name__ == '__main__':
    main()
