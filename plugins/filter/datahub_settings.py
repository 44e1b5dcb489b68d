# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Filter ``datahub_settings``: everything the datahub role derives from its variables, as one dict.

The DataHub secrets given in the inventory (the ``datahub`` user's password, the token service's signing key
and salt, the system client secret, the frontend's session secret, the secret service's encryption key, the
MySQL passwords, an API token) and the values of ``datahub_secrets`` go in to be checked (length, well-known
values, characters the env files and user.props cannot hold); none comes out. They are resolved where they
are written, under no_log (roles/datahub/vars/main.yml).

The Compose project (``compose``) and the Helm values (``helm``) are built here as data, so that the
secure-by-default promises are unit-tested: metadata service authentication on in GMS and the frontend, no
published port but the TLS proxy's, a memory limit on every service, GMS and the frontend only after the
system-update job succeeded, secrets only through root-only env files.
"""

from __future__ import annotations

import json
import posixpath
import re

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.datamesh.platform.plugins.module_utils.datahub import SECRET_NAME_RE, clear_secret_paths
from ansible_collections.datamesh.platform.plugins.plugin_utils import checks
from ansible_collections.datamesh.platform.plugins.plugin_utils.settings import (
    fail as _fail, refuse as _refuse, role_params, bounded_int as _int)

P = 'datahub_'
METHODS = ('compose', 'helm')
# The role's variables (meta/argument_specs.yml and defaults/main.yml; a unit test keeps them equal).
# datahub_ingestion_* belongs to the role datahub_ingestion and is never taken for a typo of this role's.
KNOWN_VARIABLES = (
    'datahub_install_server', 'datahub_deploy_method', 'datahub_version', 'datahub_cli_version',
    'datahub_image_registry', 'datahub_kafka_image', 'datahub_opensearch_image', 'datahub_mysql_image',
    'datahub_nginx_image', 'datahub_image_digests', 'datahub_compose_command', 'datahub_config_dir',
    'datahub_domain', 'datahub_bind_address', 'datahub_frontend_port', 'datahub_gms_port', 'datahub_memory',
    'datahub_min_memory_mb', 'datahub_admin_password', 'datahub_mysql_root_password', 'datahub_mysql_password',
    'datahub_token_signing_key', 'datahub_token_salt', 'datahub_system_client_secret', 'datahub_frontend_secret',
    'datahub_encryption_key', 'datahub_api_token', 'datahub_api_url', 'datahub_mint_api_token',
    'datahub_credentials_dir', 'datahub_tls_cert', 'datahub_tls_key', 'datahub_tls_ca', 'datahub_tls_extra_sans',
    'datahub_tls_days', 'datahub_sources', 'datahub_secrets', 'datahub_health_timeout', 'datahub_helm_namespace',
    'datahub_helm_kubeconfig', 'datahub_helm_chart_repo_url', 'datahub_helm_chart_version',
    'datahub_helm_prerequisites_chart_version', 'datahub_helm_wait_timeout',
)
OTHER_ROLE_PREFIXES = ('datahub_ingestion_',)

# The images DataHub's own release publishes (one tag for all: v<datahub_version>), under the registry.
DATAHUB_IMAGES = {
    'gms': 'acryldata/datahub-gms',
    'frontend': 'acryldata/datahub-frontend-react',
    'actions': 'acryldata/datahub-actions',
    'upgrade': 'acryldata/datahub-upgrade',
}
OTHER_IMAGES = ('kafka', 'opensearch', 'mysql', 'nginx')
IMAGE_KEYS = tuple(DATAHUB_IMAGES) + OTHER_IMAGES

# Memory per Compose service: the container's limit (mem_limit) and, for the JVMs, the heap (-Xms = -Xmx).
# Sized so that everything fits one host of 8 GiB: GMS's heap is capped at 1 GiB, as the seed had to.
MEMORY = {
    'gms': {'limit': '1792m', 'heap': '1g'},
    'frontend': {'limit': '1g', 'heap': '512m'},
    'actions': {'limit': '1g'},
    'system_update': {'limit': '1536m', 'heap': '1g'},
    'kafka': {'limit': '1g', 'heap': '512m'},
    'opensearch': {'limit': '1536m', 'heap': '768m'},
    'mysql': {'limit': '768m'},
    'nginx': {'limit': '128m'},
}
JVMS = ('gms', 'frontend', 'system_update', 'kafka', 'opensearch')
# The one-shot job runs before GMS, the frontend and the actions start: the host's peak is the larger of
# (everything but the job) and (the stores + the job).
ONE_SHOT = 'system_update'
STORES = ('kafka', 'opensearch', 'mysql')

# Ports the platform's services use on their hosts; DataHub's proxy never takes one of them.
PLATFORM_PORTS = {3306: 'MySQL/MariaDB', 8080: 'Trino and DataHub GMS (inside Compose)', 8081: "JupyterHub's hub",
                  9092: 'Kafka', 9200: 'OpenSearch/Elasticsearch'}

# The generated (or given) secrets: variable, file under <credentials dir>/datahub/<host>/, length.
SECRETS = {
    'admin_password': ('admin_password', 'admin_password', 32),
    'mysql_root_password': ('mysql_root_password', 'mysql_root_password', 32),
    'mysql_password': ('mysql_password', 'mysql_password', 32),
    'token_signing_key': ('token_signing_key', 'token_signing_key', 64),
    # "_secret": the collection's secret scan treats files named *salt as public hash salts; this one is a secret.
    'token_salt': ('token_salt', 'token_salt_secret', 32),
    'system_client_secret': ('system_client_secret', 'system_client_secret', 48),
    'frontend_secret': ('frontend_secret', 'frontend_secret', 64),
    'encryption_key': ('encryption_key', 'encryption_key', 32),
}
# Which secret each Compose service gets, through its env file (never compose.yml nor a command line).
ENV_FILES = (
    ('mysql', (('MYSQL_ROOT_PASSWORD', 'mysql_root_password'), ('MYSQL_PASSWORD', 'mysql_password'))),
    ('system-update', (('EBEAN_DATASOURCE_PASSWORD', 'mysql_password'),
                       ('DATAHUB_TOKEN_SERVICE_SIGNING_KEY', 'token_signing_key'),
                       ('DATAHUB_TOKEN_SERVICE_SALT', 'token_salt'),
                       ('DATAHUB_SYSTEM_CLIENT_SECRET', 'system_client_secret'),
                       ('SECRET_SERVICE_ENCRYPTION_KEY', 'encryption_key'))),
    ('gms', (('EBEAN_DATASOURCE_PASSWORD', 'mysql_password'),
             ('DATAHUB_TOKEN_SERVICE_SIGNING_KEY', 'token_signing_key'),
             ('DATAHUB_TOKEN_SERVICE_SALT', 'token_salt'),
             ('DATAHUB_SYSTEM_CLIENT_SECRET', 'system_client_secret'),
             ('SECRET_SERVICE_ENCRYPTION_KEY', 'encryption_key'))),
    ('frontend', (('DATAHUB_SECRET', 'frontend_secret'), ('DATAHUB_SYSTEM_CLIENT_SECRET', 'system_client_secret'))),
    ('actions', (('DATAHUB_SYSTEM_CLIENT_SECRET', 'system_client_secret'),)),
)
# DataHub's shipped defaults and the quickstart's values (datahub/datahub, the system client secret
# "JohnSnowKnowsNothing", the frontend's secret of the quickstart (0123456789abcdef four times), the secret
# service's "ENCRYPTION_KEY"), on top of the collection's list.
KNOWN_SECRETS = ('datahub', 'johnsnowknowsnothing', 'youknownothing', 'encryption_key', 'encryptionkey',
                 '0123456789abcdef' * 4, 'datahub_cdc', 'datahub123', 'mysql', 'root')
# Given secrets live in single-quoted env-file values and in user.props (Java properties).
_BAD_SECRET_CHARS = re.compile(r"['\\\n\r\x00]")

_HOST = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^[0-9a-fA-F:]+$')
_IP = re.compile(r'^[0-9]{1,3}(\.[0-9]{1,3}){3}$|^[0-9a-fA-F:]+$')
_VERSION = re.compile(r'^[0-9]+\.[0-9]+\.[0-9]+$')
_CLI_VERSION = re.compile(r'^[0-9]+\.[0-9]+\.[0-9]+(\.[0-9]+)?([a-z]+[0-9]+|\.post[0-9]+)?$')
_REGISTRY = re.compile(r'^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)*$')
_REPOSITORY = re.compile(r'^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$')
_TAG = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$')
_DIGEST = re.compile(r'^sha256:[0-9a-f]{64}$')
_SIZE = re.compile(r'^([1-9][0-9]*)([kmg])$')
_CHART_VERSION = re.compile(r'^[0-9]+\.[0-9]+\.[0-9]+$')
_K8S_NAME = re.compile(r'^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$')
_DURATION = re.compile(r'^[0-9]+(s|m|h)$')
_SOURCE_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,99}$')
_REFERENCE = re.compile(r'\$\{([A-Za-z_][A-Za-z0-9_]*)\}')
_TIMEZONE = re.compile(r'^(UTC|[A-Za-z]+(/[A-Za-z0-9_+-]+){1,2}|Etc/GMT[+-][0-9]{1,2})$')
_CRON_FIELD = re.compile(r'^(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?)*$')
_CRON_NAMES = {3: ('jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'),
               4: ('sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat')}
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
SOURCE_KEYS = ('name', 'type', 'recipe', 'schedule', 'secrets', 'executor_id', 'run', 'wait', 'state', 'description',
               'cli_version')
SCHEDULE_KEYS = ('interval', 'timezone')
RUNS = ('never', 'on_change', 'always')

DEFAULTS = {
    'install_server': True, 'deploy_method': 'compose', 'version': '', 'cli_version': '', 'image_registry': '',
    'kafka_image': '', 'opensearch_image': '', 'mysql_image': '', 'nginx_image': '', 'image_digests': {},
    'compose_command': [], 'config_dir': '/etc/datahub', 'domain': '', 'bind_address': '',
    'frontend_port': 9443, 'gms_port': 8943, 'memory': {}, 'min_memory_mb': 7680,
    'api_url': '', 'mint_api_token': True, 'credentials_dir': '',
    'tls_cert': '', 'tls_key': '', 'tls_ca': '', 'tls_extra_sans': [], 'tls_days': 825,
    'sources': [], 'secrets': {}, 'health_timeout': 600,
    'helm_namespace': 'datahub', 'helm_kubeconfig': '', 'helm_chart_repo_url': '', 'helm_chart_version': '',
    'helm_prerequisites_chart_version': '', 'helm_wait_timeout': '20m',
    # Given secrets, checked and never returned: {admin_password: ..., ...} (keys of SECRETS) and api_token.
    'given_secrets': {}, 'api_token': '',
    # The host (facts): OS, release, memory.
    'distribution': 'Debian', 'distribution_major_version': '13', 'memtotal_mb': None,
    # For the checks (each skipped when not given).
    'variables': None, 'host_vars': {}, 'group_names': [], 'listening': None,
}
REQUIRED = ('host',)


def _text(value):
    return to_text(value if value is not None else '')


def _megabytes(size):
    match = _SIZE.match(size)
    number, unit = int(match.group(1)), match.group(2)
    return {'k': number / 1024.0, 'm': float(number), 'g': number * 1024.0}[unit]


def _check_typos(p):
    if p['variables'] is None:
        return
    given = [_text(v) for v in p['variables'] if not _text(v).startswith(OTHER_ROLE_PREFIXES)]
    _refuse(checks.unknown_variables('datahub', given, KNOWN_VARIABLES))


# ---------------------------------------------------------------------------------------------- secrets

def _secret_problems(name, value, minimum=checks.MIN_SECRET_LENGTH, user=None):
    problems = checks.secret_problems(name, value, user=user, known=KNOWN_SECRETS, min_length=minimum)
    if isinstance(value, str) and _BAD_SECRET_CHARS.search(value):
        problems.append("%s must be one line without ' or \\ (it is written into env files and user.props)" % name)
    return problems


def _check_secrets(p):
    given = p['given_secrets'] or {}
    if not isinstance(given, dict):
        _fail('datahub_settings: given_secrets must be a dict')
    unknown = sorted(set(given) - set(SECRETS))
    if unknown:
        _fail('datahub_settings: unknown given secrets %s', ', '.join(unknown))
    problems = []
    for key in SECRETS:
        user = 'datahub' if key in ('admin_password', 'mysql_password') else None
        problems.extend(_secret_problems(P + key, given.get(key), user=user))
    # A personal access token is a JWT DataHub issued: long, no user name check.
    problems.extend(_secret_problems(P + 'api_token', p['api_token'], minimum=32))
    _refuse(problems)
    return {key: bool(given.get(key)) for key in SECRETS}


# ----------------------------------------------------------------------------------------------- images

def _image(key, ref, registry, digests, what):
    """(repository with registry, tag, digest) of one image reference 'repo:tag'."""
    ref = _text(ref)
    repository, _sep, tag = ref.rpartition(':')
    if not repository or '/' in tag or '@' in ref:
        _fail('%s=%s must be an image reference with a pinned tag, such as %s (no digest here: put it in '
              '%simage_digests.%s)', what, ref or "''", 'mysql:8.4.7' if key == 'mysql' else 'name:1.2.3', P, key)
    if not _REPOSITORY.match(repository):
        _fail('%s=%s: %s is not an image repository (lower-case letters, digits, ".", "_", "-" and "/")', what, ref,
              repository)
    if not _TAG.match(tag) or tag.lower() in ('latest', 'head', 'debug', 'stable', 'main', 'master'):
        _fail('%s=%s: the tag %s is not pinned: name a release, such as %s', what, ref, tag,
              'mysql:8.4.7' if key == 'mysql' else 'name:1.2.3')
    full = '%s/%s' % (registry, repository) if registry else repository
    digest = digests.get(key)
    return {'repository': full, 'tag': tag, 'digest': digest,
            'ref': '%s:%s%s' % (full, tag, '@' + digest if digest else '')}


def _images(p):
    registry = _text(p['image_registry']).rstrip('/')
    if registry and not _REGISTRY.match(registry):
        _fail('%simage_registry=%s must be a registry host with an optional port and path, such as '
              'registry.example.com:5000/dockerhub (no scheme)', P, registry)
    digests = p['image_digests'] or {}
    if not isinstance(digests, dict):
        _fail('%simage_digests must be a dict of image -> sha256:<64 hex digits>', P)
    _refuse(checks.unknown_keys(P + 'image_digests', digests, IMAGE_KEYS))
    bad = sorted(k for k, v in digests.items() if not isinstance(v, str) or not _DIGEST.match(v))
    if bad:
        _fail('%simage_digests.%s must be sha256:<64 lower-case hex digits> (docker buildx imagetools inspect, or '
              'your registry, shows it), got %s', P, bad[0], digests[bad[0]])
    version = _text(p['version'])
    if not _VERSION.match(version):
        _fail('%sversion=%s is not a DataHub server release such as 1.7.0 (the images are tagged v<version>)', P,
              version or "''")
    images = {}
    for key, repository in DATAHUB_IMAGES.items():
        images[key] = _image(key, '%s:v%s' % (repository, version), registry, digests, P + 'version')
    for key in OTHER_IMAGES:
        images[key] = _image(key, p[key + '_image'], registry, digests, '%s%s_image' % (P, key))
    return images


# ----------------------------------------------------------------------------------------------- memory

def _memory(p):
    given = p['memory'] or {}
    if not isinstance(given, dict):
        _fail('%smemory must be a dict of service -> {limit, heap}', P)
    _refuse(checks.unknown_keys(P + 'memory', given, MEMORY))
    out = {}
    for service, default in MEMORY.items():
        item = given.get(service) or {}
        allowed = ('limit', 'heap') if service in JVMS else ('limit',)
        _refuse(checks.unknown_keys('%smemory.%s' % (P, service), item, allowed))
        merged = dict(default, **item)
        for key in allowed:
            value = _text(merged.get(key)).lower()
            if not _SIZE.match(value):
                _fail('%smemory.%s.%s=%s must be a size such as 768m or 2g', P, service, key, merged.get(key))
            merged[key] = value
        if 'heap' in merged and _megabytes(merged['heap']) >= _megabytes(merged['limit']):
            _fail('%smemory.%s: the heap %s must be smaller than the limit %s (the JVM needs memory beyond its heap)',
                  P, service, merged['heap'], merged['limit'])
        out[service] = merged
    return out


def _peak_mb(memory):
    running = sum(_megabytes(m['limit']) for s, m in memory.items() if s != ONE_SHOT)
    setup = sum(_megabytes(memory[s]['limit']) for s in STORES + (ONE_SHOT,))
    return int(max(running, setup))


# ------------------------------------------------------------------------------------ ingestion sources

def _cron(interval, what):
    fields = interval.split()
    if len(fields) != 5:
        _fail('%s schedule.interval=%s is not a cron expression of 5 fields (minute hour day-of-month month '
              'day-of-week), such as "0 2 * * *"', what, interval or "''")
    for index, field in enumerate(fields):
        if not _CRON_FIELD.match(field):
            _fail('%s schedule.interval=%s: field %d (%s) is not a cron field', what, interval, index + 1, field)
        low, high = _CRON_RANGES[index]
        for token in re.split(r'[,/-]', field):
            if token == '*':
                continue
            if token.isdigit():
                if not low <= int(token) <= high and not (field.split('/')[-1] == token and '/' in field):
                    _fail('%s schedule.interval=%s: %s is out of range in field %d (%d-%d)', what, interval, token,
                          index + 1, low, high)
            elif token.lower() not in _CRON_NAMES.get(index, ()):
                _fail('%s schedule.interval=%s: field %d (%s) is not a cron field', what, interval, index + 1, field)


def _timezone(value, what):
    value = _text(value) or 'UTC'
    known = None
    try:
        import zoneinfo  # pylint: disable=import-outside-toplevel
        known = zoneinfo.available_timezones()
    except Exception:  # pylint: disable=broad-exception-caught  # no tz database on the controller
        known = None
    if (known and value not in known and value != 'UTC') or (not known and not _TIMEZONE.match(value)):
        _fail('%s schedule.timezone=%s is not a time zone name such as UTC or Europe/Berlin', what, value)
    return value


def _references(value, found):
    if isinstance(value, dict):
        for item in value.values():
            _references(item, found)
    elif isinstance(value, list):
        for item in value:
            _references(item, found)
    elif isinstance(value, str):
        found.update(_REFERENCE.findall(value))
    return found


def _file_name(name):
    return re.sub(r'[^a-z0-9]+', '_', name.lower()).strip('_') + '.json'


def _datahub_secrets(p):
    secrets = p['secrets'] or {}
    if not isinstance(secrets, dict):
        _fail('%ssecrets must be a dict of DataHub secret name -> value', P)
    problems = []
    for name in sorted(secrets, key=str):
        if not isinstance(name, str) or not SECRET_NAME_RE.match(name):
            problems.append('%ssecrets: %s is not a DataHub secret name (letters, digits and "_", not starting with a '
                            'digit), which a recipe could refer to as ${NAME}' % (P, name))
            continue
        # Credentials of other systems: the collection's checks, with 8 characters as the minimum.
        problems.extend(_secret_problems('%ssecrets.%s' % (P, name), secrets[name], minimum=8))
    _refuse(problems)
    return sorted(secrets)


def _sources(p, secret_names, cli_version):
    items = p['sources'] or []
    if not isinstance(items, list):
        _fail('%ssources must be a list of ingestion sources', P)
    out = []
    for index, item in enumerate(items):
        what = '%ssources[%d]' % (P, index)
        _refuse(checks.unknown_keys(what, item, SOURCE_KEYS))
        name = _text(item.get('name'))
        if not _SOURCE_NAME.match(name):
            _fail('%s name=%s must be 1 to 100 letters, digits, spaces and . _ ( ) -', what, name or "''")
        what = '%s (%s)' % (what, name)
        recipe = item.get('recipe')
        source = recipe.get('source') if isinstance(recipe, dict) else None
        if not isinstance(source, dict) or not _text(source.get('type')) or not isinstance(source.get('config'), dict):
            _fail('%s recipe must be a dict with source.type and source.config (DataHub\'s recipe format)', what)
        kind = _text(item.get('type')) or _text(source.get('type'))
        if kind != _text(source.get('type')):
            _fail('%s type=%s, but the recipe\'s source.type is %s: DataHub requires them to be equal', what, kind,
                  source.get('type'))
        clear = clear_secret_paths(recipe)
        if clear:
            _fail('%s: the recipe holds %s in clear text: %s. Put each value in %ssecrets and write a reference such '
                  'as ${MY_SECRET} instead (DataHub resolves it when the ingestion runs)', what,
                  'a secret' if len(clear) == 1 else '%d secrets' % len(clear), ', '.join(clear), P)
        external = item.get('secrets') or []
        if not isinstance(external, list) or not all(isinstance(x, str) and SECRET_NAME_RE.match(x) for x in external):
            _fail('%s secrets must be a list of DataHub secret names (those that exist in DataHub already, created '
                  'outside this role)', what)
        used = _references(recipe, set())
        dangling = sorted(used - set(secret_names) - set(external))
        if dangling:
            _fail('%s: the recipe refers to ${%s}, which %ssecrets does not define (and the source\'s secrets does not '
                  'list as existing in DataHub): define it, or fix the name', what, '}, ${'.join(dangling), P)
        unused = sorted(set(external) - used)
        if unused:
            _fail('%s secrets lists %s, which the recipe never uses as ${NAME}', what, ', '.join(unused))
        schedule = item.get('schedule')
        if schedule is not None:
            _refuse(checks.unknown_keys('%s schedule' % what, schedule, SCHEDULE_KEYS))
            interval = _text(schedule.get('interval')).strip()
            _cron(interval, what)
            schedule = {'interval': ' '.join(interval.split()), 'timezone': _timezone(schedule.get('timezone'), what)}
        run = _text(item.get('run') or 'never')
        if run not in RUNS:
            _fail('%s run=%s must be one of %s', what, run, ', '.join(RUNS))
        state = _text(item.get('state') or 'present')
        if state not in ('present', 'absent'):
            _fail('%s state=%s must be present or absent', what, state)
        wait = item.get('wait', False)
        if not isinstance(wait, bool):
            _fail('%s wait=%s must be true or false', what, wait)
        executor = _text(item.get('executor_id') or 'default')
        version = _text(item.get('cli_version') or cli_version)
        if not _CLI_VERSION.match(version):
            _fail('%s cli_version=%s is not an acryl-datahub version such as 1.7.0.17', what, version)
        # What datamesh.platform.datahub_ingestion_source creates (UpdateIngestionSourceInput of DataHub's
        # GraphQL API, with the recipe as data instead of JSON text): references only, never a secret.
        definition = {
            'name': name, 'type': kind, 'description': _text(item.get('description')), 'schedule': schedule,
            'config': {'recipe': recipe, 'executorId': executor, 'version': version},
            'secrets': sorted(used), 'state': state, 'run': run,
        }
        out.append({'index': index, 'name': name, 'type': kind, 'file': _file_name(name), 'state': state,
                    'run': run, 'wait': wait, 'executor_id': executor, 'cli_version': version,
                    'schedule': schedule, 'description': _text(item.get('description')),
                    'definition': json.loads(json.dumps(definition))})
    for key in ('name', 'file'):
        values = [s[key] for s in out]
        twice = sorted(set(v for v in values if values.count(v) > 1))
        if twice:
            _fail('%ssources: the %s %s is given twice (DataHub finds a source by its name)', P, key, ', '.join(twice))
    return out


# ---------------------------------------------------------------------------------------------- compose

def _healthcheck(test, interval='10s', timeout='10s', retries=12, start='60s'):
    return {'test': ['CMD-SHELL', test], 'interval': interval, 'timeout': timeout, 'retries': retries,
            'start_period': start}


def _service(image, hostname, memory, env=None, env_file=None, restart='unless-stopped'):
    service = {'image': image['ref'], 'hostname': hostname, 'restart': restart, 'mem_limit': memory['limit'],
               'security_opt': ['no-new-privileges:true'],
               'logging': {'driver': 'json-file', 'options': {'max-size': '10m', 'max-file': '3'}}}
    if env_file:
        service['env_file'] = [{'path': env_file, 'required': True}]
    if env:
        service['environment'] = env
    return service


def _compose(s):
    images, memory, env = s['images'], s['memory'], s['env_files_by_service']
    gms_url = 'http://datahub-gms:8080'
    jdbc = ('jdbc:mysql://mysql:3306/datahub?verifyServerCertificate=false&useSSL=true&useUnicode=yes'
            '&characterEncoding=UTF-8&enabledTLSProtocols=TLSv1.2')
    kafka = 'kafka:29092'
    registry = gms_url + '/schema-registry/api/'
    sql = {'EBEAN_DATASOURCE_DRIVER': 'com.mysql.jdbc.Driver', 'EBEAN_DATASOURCE_HOST': 'mysql:3306',
           'EBEAN_DATASOURCE_URL': jdbc, 'EBEAN_DATASOURCE_USERNAME': 'datahub'}
    search = {'ELASTICSEARCH_HOST': 'opensearch', 'ELASTICSEARCH_PORT': '9200', 'ELASTICSEARCH_PROTOCOL': 'http',
              'ELASTICSEARCH_USE_SSL': 'false', 'ELASTICSEARCH_IMPLEMENTATION': 'opensearch'}
    auth = {'METADATA_SERVICE_AUTH_ENABLED': 'true', 'DATAHUB_SYSTEM_CLIENT_ID': '__datahub_system'}

    def jvm(service, extra=''):
        heap = memory[service]['heap']
        return ('-Xms%s -Xmx%s %s' % (heap, heap, extra)).strip()

    services = {}
    services['mysql'] = _service(images['mysql'], 'mysql', memory['mysql'],
                                 env={'MYSQL_DATABASE': 'datahub', 'MYSQL_USER': 'datahub'},
                                 env_file=env['mysql'])
    services['mysql'].update({
        'command': ['--character-set-server=utf8mb4', '--collation-server=utf8mb4_bin'],
        # Over TCP: the image's init server listens on the socket only, so this waits for the real one. No
        # password: mysqladmin ping exits 0 for a running server even when access is denied.
        'healthcheck': _healthcheck('mysqladmin ping -h 127.0.0.1 --silent', interval='5s', start='30s'),
        'volumes': [{'type': 'volume', 'source': 'mysql', 'target': '/var/lib/mysql'}],
    })
    services['opensearch'] = _service(images['opensearch'], 'opensearch', memory['opensearch'], env={
        'discovery.type': 'single-node', 'DISABLE_SECURITY_PLUGIN': 'true', 'DISABLE_INSTALL_DEMO_CONFIG': 'true',
        'OPENSEARCH_JAVA_OPTS': jvm('opensearch', '-Dlog4j2.formatMsgNoLookups=true')})
    services['opensearch'].update({
        'healthcheck': _healthcheck('curl -sS --fail "http://localhost:9200/_cluster/health?wait_for_status=yellow'
                                    '&timeout=0s"'),
        'volumes': [{'type': 'volume', 'source': 'opensearch', 'target': '/usr/share/opensearch/data'}],
    })
    services['kafka'] = _service(images['kafka'], 'kafka', memory['kafka'], env={
        'KAFKA_NODE_ID': '1', 'KAFKA_BROKER_ID': '1', 'KAFKA_PROCESS_ROLES': 'broker,controller',
        'KAFKA_CONTROLLER_QUORUM_VOTERS': '1@kafka:39092', 'KAFKA_CONTROLLER_LISTENER_NAMES': 'CONTROLLER',
        'KAFKA_LISTENERS': 'BROKER://kafka:29092,CONTROLLER://kafka:39092',
        'KAFKA_ADVERTISED_LISTENERS': 'BROKER://kafka:29092', 'KAFKA_INTER_BROKER_LISTENER_NAME': 'BROKER',
        'KAFKA_LISTENER_SECURITY_PROTOCOL_MAP': 'CONTROLLER:PLAINTEXT,BROKER:PLAINTEXT',
        'KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR': '1', 'KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS': '0',
        'KAFKA_MESSAGE_MAX_BYTES': '5242880', 'KAFKA_MAX_MESSAGE_BYTES': '5242880',
        'KAFKA_CONFLUENT_SUPPORT_METRICS_ENABLE': 'false', 'KAFKA_HEAP_OPTS': jvm('kafka'),
        'KAFKA_LOG4J_LOGGERS': 'org.apache.kafka.image.loader.MetadataLoader=WARN'})
    services['kafka'].update({
        # KRaft, no ZooKeeper: the cluster id is made once and kept in the data volume (as DataHub's quickstart
        # does, docker/quickstart/docker-compose.quickstart-profile.yml); "$$" is a literal "$" for Compose.
        'command': ['/bin/bash', '-c',
                    'file_path=/var/lib/kafka/data/clusterID\n'
                    'if [ ! -f "$$file_path" ]; then\n'
                    '  /bin/kafka-storage random-uuid > "$$file_path"\n'
                    '  kafka-storage format --ignore-formatted -t "$$(cat "$$file_path")" -c /etc/kafka/kafka.properties\n'
                    'fi\n'
                    'export CLUSTER_ID="$$(cat "$$file_path")"\n'
                    'exec /etc/confluent/docker/run\n'],
        'healthcheck': _healthcheck('kafka-broker-api-versions --bootstrap-server kafka:29092 >/dev/null 2>&1',
                                    interval='5s'),
        'volumes': [{'type': 'volume', 'source': 'kafka', 'target': '/var/lib/kafka/data'}],
    })
    update_env = dict(sql, **search)
    update_env.update(auth)
    update_env.update({
        'DATAHUB_SQL_SETUP_ENABLED': 'true', 'CREATE_USER': 'false', 'DATAHUB_PRECREATE_TOPICS': 'true',
        'DATAHUB_GMS_HOST': 'datahub-gms', 'DATAHUB_GMS_PORT': '8080', 'KAFKA_BOOTSTRAP_SERVER': kafka,
        'KAFKA_SCHEMAREGISTRY_URL': registry, 'SCHEMA_REGISTRY_TYPE': 'INTERNAL',
        'SCHEMA_REGISTRY_SYSTEM_UPDATE': 'true', 'USE_CONFLUENT_SCHEMA_REGISTRY': 'false',
        'SPRING_KAFKA_PROPERTIES_AUTO_REGISTER_SCHEMAS': 'true', 'SPRING_KAFKA_PROPERTIES_USE_LATEST_VERSION': 'true',
        'GRAPH_SERVICE_IMPL': 'elasticsearch', 'BACKFILL_BROWSE_PATHS_V2': 'true', 'PARTITIONS': '3',
        'ELASTICSEARCH_BUILD_INDICES_CLONE_INDICES': 'false', 'ELASTICSEARCH_INDEX_BUILDER_MAPPINGS_REINDEX': 'true',
        'ELASTICSEARCH_INDEX_BUILDER_SETTINGS_REINDEX': 'true',
        'ENTITY_REGISTRY_CONFIG_PATH': '/datahub/datahub-gms/resources/entity-registry.yml',
        'ENTITY_VERSIONING_ENABLED': 'true', 'DATAHUB_TELEMETRY_ENABLED': 'false', 'ZDU_STAGE_10': 'true',
        'ZDU_STAGE_20': 'true', 'JAVA_OPTS': jvm('system_update')})
    services['datahub-system-update'] = _service(images['upgrade'], 'datahub-system-update', memory['system_update'],
                                                 env=update_env, env_file=env['system-update'], restart='no')
    services['datahub-system-update'].update({
        'command': ['-u', 'SystemUpdate'],
        'depends_on': {name: {'condition': 'service_healthy'} for name in ('mysql', 'opensearch', 'kafka')},
        'labels': {'datahub_setup_job': 'true'},
    })
    gms_env = dict(sql, **search)
    gms_env.update(auth)
    gms_env.update({
        'DATAHUB_TELEMETRY_ENABLED': 'false', 'DATAHUB_BASE_PATH': '/', 'DATAHUB_GMS_BASE_PATH': '/',
        'KAFKA_BOOTSTRAP_SERVER': kafka, 'KAFKA_SCHEMAREGISTRY_URL': registry, 'SCHEMA_REGISTRY_TYPE': 'INTERNAL',
        'GRAPH_SERVICE_IMPL': 'elasticsearch', 'GRAPH_SERVICE_DIFF_MODE_ENABLED': 'true',
        'ENTITY_REGISTRY_CONFIG_PATH': '/datahub/datahub-gms/resources/entity-registry.yml',
        'ENTITY_SERVICE_ENABLE_RETENTION': 'true', 'ENTITY_VERSIONING_ENABLED': 'true',
        'MAE_CONSUMER_ENABLED': 'true', 'MCE_CONSUMER_ENABLED': 'true', 'PE_CONSUMER_ENABLED': 'true',
        'UI_INGESTION_ENABLED': 'true', 'UI_INGESTION_DEFAULT_CLI_VERSION': s['cli_version'],
        'ELASTICSEARCH_INDEX_BUILDER_MAPPINGS_REINDEX': 'true', 'ELASTICSEARCH_INDEX_BUILDER_SETTINGS_REINDEX': 'true',
        'ZDU_STAGE_10': 'true', 'ZDU_STAGE_20': 'true', 'JAVA_OPTS': jvm('gms')})
    services['datahub-gms'] = _service(images['gms'], 'datahub-gms', memory['gms'], env=gms_env, env_file=env['gms'])
    services['datahub-gms'].update({
        'depends_on': {'datahub-system-update': {'condition': 'service_completed_successfully'}},
        'healthcheck': _healthcheck('curl -sS --fail http://localhost:8080/health', start='120s'),
    })
    frontend_env = dict(auth)
    frontend_env.update({
        'DATAHUB_GMS_HOST': 'datahub-gms', 'DATAHUB_GMS_PORT': '8080', 'DATAHUB_BASE_PATH': '/',
        'DATAHUB_GMS_BASE_PATH': '/', 'DATAHUB_APP_VERSION': 'v' + s['version'], 'DATAHUB_PLAY_MEM_BUFFER_SIZE': '10MB',
        'DATAHUB_TRACKING_TOPIC': 'DataHubUsageEvent_v1', 'KAFKA_BOOTSTRAP_SERVER': kafka,
        'ELASTIC_CLIENT_HOST': 'opensearch', 'ELASTIC_CLIENT_PORT': '9200',
        # Behind the TLS proxy only: session cookies never travel over plain HTTP.
        'AUTH_COOKIE_SECURE': 'true', 'AUTH_COOKIE_SAME_SITE': 'LAX', 'PLAY_HTTP_CONTEXT': '/',
        'JAVA_OPTS': jvm('frontend', '-Dhttp.port=9002 -Dconfig.file=datahub-frontend/conf/application.conf '
                                     '-Djava.security.auth.login.config=datahub-frontend/conf/jaas.conf '
                                     '-Dlogback.configurationFile=datahub-frontend/conf/logback.xml '
                                     '-Dlogback.debug=false -Dpidfile.path=/dev/null')})
    services['datahub-frontend'] = _service(images['frontend'], 'datahub-frontend', memory['frontend'],
                                            env=frontend_env, env_file=env['frontend'])
    services['datahub-frontend'].update({
        'depends_on': {'datahub-system-update': {'condition': 'service_completed_successfully'},
                       'datahub-gms': {'condition': 'service_healthy'}},
        'healthcheck': _healthcheck('curl -sS --fail http://localhost:9002/admin', start='120s'),
        # The datahub user's password (user.props of DataHub's JAAS login), read-only.
        'volumes': [{'type': 'bind', 'source': s['user_props'], 'target': '/datahub-frontend/conf/user.props',
                     'read_only': True, 'bind': {'create_host_path': False}}],
    })
    actions_env = dict(auth)
    actions_env.update({
        'DATAHUB_GMS_HOST': 'datahub-gms', 'DATAHUB_GMS_PORT': '8080', 'DATAHUB_GMS_PROTOCOL': 'http',
        'KAFKA_BOOTSTRAP_SERVER': kafka, 'KAFKA_PROPERTIES_SECURITY_PROTOCOL': 'PLAINTEXT',
        'SCHEMA_REGISTRY_URL': registry, 'METADATA_AUDIT_EVENT_NAME': 'MetadataAuditEvent_v4',
        'METADATA_CHANGE_LOG_VERSIONED_TOPIC_NAME': 'MetadataChangeLog_Versioned_v1'})
    actions_env.update(search)
    del actions_env['ELASTICSEARCH_IMPLEMENTATION']
    services['datahub-actions'] = _service(images['actions'], 'datahub-actions', memory['actions'], env=actions_env,
                                           env_file=env['actions'])
    services['datahub-actions']['depends_on'] = {'datahub-gms': {'condition': 'service_healthy'}}
    ports = []
    for port in (s['frontend_port'], s['gms_port']):
        entry = {'target': port, 'published': str(port), 'protocol': 'tcp'}
        if s['bind_address']:
            entry['host_ip'] = s['bind_address']
        ports.append(entry)
    services['nginx'] = _service(images['nginx'], 'nginx', memory['nginx'])
    services['nginx'].update({
        'depends_on': {'datahub-frontend': {'condition': 'service_started'},
                       'datahub-gms': {'condition': 'service_started'}},
        'ports': ports,
        # The same paths as on the host, so that the file in place can be checked with nginx -t there.
        'volumes': [{'type': 'bind', 'source': s['nginx_conf'], 'target': '/etc/nginx/conf.d/default.conf',
                     'read_only': True, 'bind': {'create_host_path': False}},
                    {'type': 'bind', 'source': s['tls']['dir'], 'target': s['tls']['dir'], 'read_only': True,
                     'bind': {'create_host_path': False}}],
    })
    return {
        'name': s['project'],
        'services': services,
        # Names of their own: never the volumes of a quickstart (initialised with its known passwords).
        'volumes': {name: {'name': 'datamesh-datahub-%s' % name} for name in ('mysql', 'opensearch', 'kafka')},
    }


# ------------------------------------------------------------------------------------------------- helm

def _helm(p, s):
    namespace = _text(p['helm_namespace'])
    if not _K8S_NAME.match(namespace):
        _fail('%shelm_namespace=%s is not a Kubernetes namespace name', P, namespace)
    for key in ('helm_chart_version', 'helm_prerequisites_chart_version'):
        if not _CHART_VERSION.match(_text(p[key])):
            _fail('%s%s=%s is not a chart version such as 1.1.0', P, key, p[key])
    repo = _text(p['helm_chart_repo_url'])
    if not repo.startswith(('https://', 'http://', 'oci://')) and not repo.startswith('/'):
        _fail('%shelm_chart_repo_url=%s must be an http(s):// or oci:// URL, or the absolute path of a directory with '
              'the charts (air-gapped sites)', P, repo)
    if not _DURATION.match(_text(p['helm_wait_timeout'])):
        _fail('%shelm_wait_timeout=%s must be a duration such as 20m', P, p['helm_wait_timeout'])
    images, memory = s['images'], s['memory']

    def image(key):
        ref = images[key]
        return {'repository': ref['repository'], 'tag': ref['tag'] + ('@' + ref['digest'] if ref['digest'] else '')}

    def limit(service):
        size = memory[service]['limit']
        return {'limits': {'memory': size[:-1] + {'k': 'Ki', 'm': 'Mi', 'g': 'Gi'}[size[-1]]}}

    release = 'prerequisites'
    jdbc = ('jdbc:mysql://%s-mysql:3306/datahub?verifyServerCertificate=false&useSSL=true&useUnicode=yes'
            '&characterEncoding=UTF-8' % release)
    secrets = {'mysql': 'datahub-mysql-secrets', 'auth': 'datahub-auth-secrets',
               'encryption': 'datahub-encryption-secrets', 'frontend': 'datahub-frontend-secret',
               'users': 'datahub-users-secret'}
    prerequisites = {
        'mysql': {'enabled': True,
                  'auth': {'existingSecret': secrets['mysql'], 'username': 'datahub', 'database': 'datahub'},
                  'primary': {'extraFlags': '--character-set-server=utf8mb4 --collation-server=utf8mb4_bin',
                              'resources': limit('mysql')}},
        'opensearch': {'enabled': True, 'singleNode': True,
                       'opensearchJavaOpts': '-Xms%s -Xmx%s' % (memory['opensearch']['heap'],
                                                                memory['opensearch']['heap']),
                       'resources': limit('opensearch'),
                       'config': {'opensearch.yml': 'plugins:\n  security:\n    disabled: true\n'},
                       'extraEnvs': [{'name': 'DISABLE_INSTALL_DEMO_CONFIG', 'value': 'true'}]},
        'kafka': {'enabled': True, 'kraft': {'enabled': True}, 'zookeeper': {'enabled': False},
                  'controller': {'replicaCount': 1, 'controllerOnly': False,
                                 'heapOpts': '-Xms%s -Xmx%s' % (memory['kafka']['heap'], memory['kafka']['heap']),
                                 'resources': limit('kafka')},
                  'broker': {'replicaCount': 0}},
        'elasticsearch': {'enabled': False}, 'neo4j': {'enabled': False}, 'postgresql': {'enabled': False},
        'cp-helm-charts': {'enabled': False},
    }
    auth = {'enabled': True, 'systemClientId': '__datahub_system',
            'systemClientSecret': {'secretRef': secrets['auth'], 'secretKey': 'system_client_secret'},
            'tokenService': {'signingKey': {'secretRef': secrets['auth'], 'secretKey': 'token_service_signing_key'},
                             'salt': {'secretRef': secrets['auth'], 'secretKey': 'token_service_salt'}},
            'provisionSecrets': {'enabled': False, 'autoGenerate': False}}
    datahub = {
        'global': {
            'datahub': {'version': 'v' + s['version'], 'metadata_service_authentication': auth,
                        'encryptionKey': {'secretRef': secrets['encryption'], 'secretKey': 'encryption_key_secret',
                                          'provisionSecret': {'enabled': False, 'autoGenerate': False}},
                        'managed_ingestion': {'enabled': True, 'defaultCliVersion': s['cli_version']}},
            'sql': {'datasource': {'host': '%s-mysql:3306' % release, 'hostForMysqlClient': '%s-mysql' % release,
                                   'port': '3306', 'url': jdbc, 'driver': 'com.mysql.cj.jdbc.Driver',
                                   'username': 'datahub',
                                   'password': {'secretRef': secrets['mysql'], 'secretKey': 'mysql-password'}}},
            'kafka': {'bootstrap': {'server': '%s-kafka:9092' % release}},
            'elasticsearch': {'host': 'opensearch-cluster-master', 'port': '9200'},
        },
        'datahub-gms': {'image': image('gms'), 'resources': limit('gms'), 'service': {'type': 'ClusterIP'}},
        'datahub-frontend': {
            'image': image('frontend'), 'resources': limit('frontend'), 'service': {'type': 'ClusterIP'},
            'existingGmsSecret': {'name': secrets['frontend'], 'key': 'datahub_secret'},
            'extraVolumes': [{'name': 'datahub-users', 'secret': {'secretName': secrets['users'], 'defaultMode': 0o440}}],
            'extraVolumeMounts': [{'name': 'datahub-users', 'mountPath': '/datahub-frontend/conf/user.props',
                                   'subPath': 'user.props', 'readOnly': True}],
        },
        'acryl-datahub-actions': {'image': image('actions'), 'resources': limit('actions')},
        'datahubSystemUpdate': {'image': image('upgrade')},
    }
    # Kubernetes Secrets the charts refer to: which key holds which of the role's secrets (values resolved in
    # the template, under no_log).
    manifests = [
        {'name': secrets['mysql'], 'data': [('mysql-root-password', 'mysql_root_password'),
                                            ('mysql-password', 'mysql_password')]},
        {'name': secrets['auth'], 'data': [('system_client_secret', 'system_client_secret'),
                                           ('token_service_signing_key', 'token_signing_key'),
                                           ('token_service_salt', 'token_salt')]},
        {'name': secrets['encryption'], 'data': [('encryption_key_secret', 'encryption_key')]},
        {'name': secrets['frontend'], 'data': [('datahub_secret', 'frontend_secret')]},
        {'name': secrets['users'], 'data': [('user.props', 'user_props')]},
    ]
    directory = s['config_dir'] + '/helm'
    return {
        'dir': directory, 'namespace': namespace, 'kubeconfig': _text(p['helm_kubeconfig']),
        'repo_url': repo, 'wait_timeout': _text(p['helm_wait_timeout']),
        'prerequisites': {'release': release, 'chart': 'datahub-prerequisites',
                          'version': _text(p['helm_prerequisites_chart_version']),
                          'values_file': directory + '/values-prerequisites.yaml', 'values': prerequisites},
        'datahub': {'release': 'datahub', 'chart': 'datahub', 'version': _text(p['helm_chart_version']),
                    'values_file': directory + '/values-datahub.yaml', 'values': datahub},
        'secrets_file': directory + '/secrets.yaml', 'secrets': manifests,
    }


# ------------------------------------------------------------------------------------------------- main

def _platform(p, method, install, compose_command, memory):
    """Checks of the host itself, after the input's: Compose v2, memory."""
    dist, major = _text(p['distribution']), _text(p['distribution_major_version'])
    if method == 'compose' and not compose_command:
        try:
            new_enough = dist == 'Debian' and int(major) >= 13
        except ValueError:
            new_enough = False
        if not new_enough:
            _fail('%sdeploy_method=compose takes Docker Engine and Compose v2 from Debian\'s own archive, which Debian '
                  '13 (trixie) has (docker.io, docker-compose 2.26); %s %s has only Compose v1 (Debian 12: '
                  'docker-compose 1.29) or none. Use a Debian 13 host, set %scompose_command to a Compose v2 you '
                  'installed yourself with its Docker Engine (e.g. [docker, compose] from Docker\'s repository), or '
                  'set %sdeploy_method=helm', P, dist, major, P, P)
    if install and method == 'compose' and p['memtotal_mb'] is not None:
        total = _int(p['memtotal_mb'], 'memtotal_mb', 0, 1 << 40)
        minimum = _int(p['min_memory_mb'], P + 'min_memory_mb', 1024, 1 << 30)
        if total < minimum:
            _fail('%s has %d MiB of memory; DataHub with Kafka, OpenSearch and MySQL on one host needs at least %d '
                  '(%smin_memory_mb; DataHub\'s tested size is 8 GB): use a larger host, or %sdeploy_method=helm on a '
                  'cluster', _text(p['host']), total, minimum, P, P)
        peak = _peak_mb(memory)
        if peak > total:
            _fail('%smemory: the containers\' limits add up to %d MiB, more than the %d MiB of %s: lower them', P, peak,
                  total, _text(p['host']))


def datahub_settings(params):
    """Return the settings of DataHub on one host (see the filter's documentation)."""
    p = role_params('datahub_settings', params, DEFAULTS, REQUIRED)
    _check_typos(p)
    host = _text(p['host'])
    method = _text(p['deploy_method'])
    if method not in METHODS:
        _fail('%sdeploy_method=%s must be compose (one host, Docker Compose v2) or helm (values for the acryldata '
              'charts, a Kubernetes cluster)', P, method)
    install = bool(p['install_server'])

    # ------------------------------------------------------------------ paths
    config_dir = _text(p['config_dir'])
    problems = checks.path_problems({P + 'config_dir': config_dir}, foreign={"Docker's data": '/var/lib/docker'})
    if not problems and not re.match(r'^[A-Za-z0-9._/@+-]+$', config_dir):
        problems.append('%sconfig_dir=%s may only hold letters, digits and . _ - @ + /' % (P, config_dir))
    _refuse(problems)
    config_dir = posixpath.normpath(config_dir)

    # ------------------------------------------------------------------ secrets (checked, never returned)
    given = _check_secrets(p)

    # ------------------------------------------------------------------ images, memory
    images = _images(p)
    cli_version = _text(p['cli_version'])
    if not _CLI_VERSION.match(cli_version):
        _fail('%scli_version=%s is not an acryl-datahub release such as 1.7.0.17 (PyPI)', P, cli_version or "''")
    memory = _memory(p)

    # ------------------------------------------------------------------ ports, names
    frontend_port = _int(p['frontend_port'], P + 'frontend_port', 1, 65535)
    gms_port = _int(p['gms_port'], P + 'gms_port', 1, 65535)
    bind = _text(p['bind_address'])
    if bind and not _IP.match(bind):
        _fail('%sbind_address=%s is not an IP address', P, bind)
    if method == 'compose':
        for name, port in ((P + 'frontend_port', frontend_port), (P + 'gms_port', gms_port)):
            if port in PLATFORM_PORTS:
                _fail('%s=%d is the port of %s, which the platform (or DataHub\'s own services inside Compose) use: '
                      'choose another, such as 9443 (frontend) or 8943 (GMS API)', name, port, PLATFORM_PORTS[port])
        own = [{'name': P + 'frontend_port', 'port': frontend_port, 'address': bind or None},
               {'name': P + 'gms_port', 'port': gms_port, 'address': bind or None}]
        _refuse(checks.port_problems(checks.host_port_claims('datahub', own, p['host_vars'] or {},
                                                             list(p['group_names'] or []))))
        if p['listening'] is not None:
            # A re-run finds Docker's port forwarder on them (docker-proxy, in docker.service).
            _refuse(checks.ports_in_use_problems(own, list(p['listening']), ('docker.service',), ('root',)))
    domain = _text(p['domain']) or host
    if not _HOST.match(domain):
        _fail('%sdomain=%s is not a host name', P, domain)

    # ------------------------------------------------------------------ TLS
    cert, key, ca = _text(p['tls_cert']), _text(p['tls_key']), _text(p['tls_ca'])
    if bool(cert) != bool(key):
        _fail('%stls_cert and %stls_key go together: set both (PEM contents), or neither to have a certificate '
              'issued by the platform CA', P, P)
    if (cert and '-----BEGIN CERTIFICATE-----' not in cert) or (ca and '-----BEGIN CERTIFICATE-----' not in ca):
        _fail('%stls_cert and %stls_ca must be PEM certificates (-----BEGIN CERTIFICATE-----)', P, P)
    if key and 'PRIVATE KEY-----' not in key:
        _fail('%stls_key must be a PEM private key', P)
    if ca and not cert:
        _fail('%stls_ca is set but %stls_cert is not: the CA of a given certificate goes with that certificate', P, P)
    if cert and p['tls_extra_sans']:
        _fail('%stls_extra_sans only go into an issued certificate, and %stls_cert is given', P, P)
    if not cert:
        _int(p['tls_days'], P + 'tls_days', 1, 3650)
    tls_dir = config_dir + '/tls'
    tls = {'generated': not cert, 'dir': tls_dir, 'cert': tls_dir + '/server.crt', 'key': tls_dir + '/server.key',
           'ca': tls_dir + '/ca.crt' if not cert or ca else ''}

    # ------------------------------------------------------------------ ingestion
    secret_names = _datahub_secrets(p)
    sources = _sources(p, secret_names, cli_version)
    api_url = _text(p['api_url']).rstrip('/')
    if api_url and not api_url.startswith('https://'):
        _fail('%sapi_url=%s must be an https:// URL (tokens never travel in clear)', P, api_url)
    if not isinstance(p['mint_api_token'], bool):
        _fail('%smint_api_token must be true or false', P)

    # ------------------------------------------------------------------ the host
    compose_command = p['compose_command'] or []
    if not isinstance(compose_command, list) or not all(isinstance(a, str) and a for a in compose_command):
        _fail('%scompose_command must be a list of words, such as [docker, compose]; empty = Debian\'s docker-compose',
              P)
    _platform(p, method, install, compose_command, memory)

    env_dir = config_dir + '/env'
    # Where the host itself reaches the proxy (the certificate names 127.0.0.1 and the host's addresses).
    local = '127.0.0.1' if bind in ('', '0.0.0.0', '::') else ('[%s]' % bind if ':' in bind else bind)
    credentials = posixpath.join(_text(p['credentials_dir']), 'datahub', host)
    secret_files = {name: {'file': posixpath.join(credentials, spec[1]), 'length': spec[2], 'given': given[name]}
                    for name, spec in SECRETS.items()}
    settings = {
        'install_server': install,
        'deploy_method': method,
        'host': host,
        'version': _text(p['version']),
        'cli_version': cli_version,
        'project': 'datahub',
        'config_dir': config_dir,
        'env_dir': env_dir,
        'frontend_dir': config_dir + '/frontend',
        'user_props': config_dir + '/frontend/user.props',
        'nginx_dir': config_dir + '/nginx',
        'nginx_conf': config_dir + '/nginx/datahub.conf',
        'compose_file': config_dir + '/compose.yml',
        'checker': config_dir + '/.check_datahub_files.py',
        'ingestion_dir': config_dir + '/ingestion',
        'tls': tls,
        'domain': domain,
        'bind_address': bind,
        'frontend_port': frontend_port,
        'gms_port': gms_port,
        'images': images,
        'memory': memory,
        'peak_memory_mb': _peak_mb(memory),
        'compose_command': list(compose_command) or ['docker-compose'],
        # Debian's packages: docker-compose (a standalone binary, libc6 only) validates without a daemon.
        'packages': (['python3-yaml'] + (['docker-compose'] if method == 'compose' and not compose_command else [])
                     + (['docker.io'] if install and method == 'compose' and not compose_command else [])),
        'env_files': [{'service': name, 'path': '%s/%s.env' % (env_dir, name),
                       'vars': [{'name': var, 'secret': secret} for var, secret in pairs]}
                      for name, pairs in ENV_FILES],
        'secret_files': secret_files,
        'token_file': posixpath.join(credentials, 'api_token'),
        'token_given': bool(p['api_token']),
        'mint_api_token': p['mint_api_token'],
        'api_url': api_url or ('https://%s:%d' % (local, gms_port) if method == 'compose' else ''),
        'frontend_url': 'https://%s:%d' % (local, frontend_port),
        'health_timeout': _int(p['health_timeout'], P + 'health_timeout', 30, 7200),
        'datahub_secrets': secret_names,
        'sources': sources,
    }
    settings['health_urls'] = [settings['api_url'] + '/health', settings['frontend_url'] + '/admin']
    settings['env_files_by_service'] = {e['service']: e['path'] for e in settings['env_files']}
    settings['compose'] = _compose(settings) if method == 'compose' else None
    settings['helm'] = _helm(p, settings) if method == 'helm' else None
    return settings


class FilterModule:
    """datamesh.platform filters."""

    def filters(self):
        return {'datahub_settings': datahub_settings}
