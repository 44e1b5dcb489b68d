# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Shared code of the DataHub modules: the GraphQL client and what both modules check.

- Connection: the options are documented once in doc_fragments/datahub.py. Requests go
  through ansible.module_utils.urls.open_url (no extra Python library): POST
  ``{query, variables, operationName}`` as JSON to ``<url>/api/graphql`` with
  ``Authorization: Bearer <token>``, the way DataHub's own client does
  (metadata-ingestion/src/datahub/ingestion/graph/client.py, execute_graphql).
- Errors: HTTP errors, unreachable servers and a GraphQL ``errors`` array all become a
  DataHubError whose message names the operation and never contains the token.
- GraphQL documents: every query and mutation the modules send is below, with the field
  names of DataHub's schema, datahub-graphql-core/src/main/resources/ingestion.graphql
  (datahub-project/datahub, DataHub 1.x).
- Pure helpers, unit-tested: recipe parsing and canonical JSON, the walk that refuses
  secrets written in clear into a recipe, cron validation, masking of execution reports.

Where a fact comes from is noted beside it; what could not be confirmed is marked UNCONFIRMED.
"""

from __future__ import annotations

import json
import re
import time
import traceback

from urllib.error import HTTPError, URLError

from ansible.module_utils.urls import open_url

try:
    import yaml
    HAS_YAML = True
    YAML_IMPORT_ERROR = None
except ImportError:
    yaml = None
    HAS_YAML = False
    YAML_IMPORT_ERROR = traceback.format_exc()

MASK = '********'
GRAPHQL_PATH = '/api/graphql'
HTTP_AGENT = 'datamesh.platform (Ansible)'
# Page size of listIngestionSources/listSecrets. The resolvers default to 20 when no count is
# given (ListIngestionSourcesResolver, ListSecretsResolver); larger pages mean fewer requests.
PAGE_SIZE = 100
# A server that keeps answering full pages (or a total it never reaches) must not keep the
# module looping forever.
MAX_PAGES = 1000

# ---------------------------------------------------------------- GraphQL documents
# Field and type names from ingestion.graphql (see the module docstring). Notes:
# - IngestionSource has no description field, and UpsertIngestionSourceResolver does not store
#   the description of UpdateIngestionSourceInput (DataHubIngestionSourceInfo.pdl has none), so
#   a description can be sent but never read back.
# - listIngestionSources and listSecrets search full text with ``query`` (the name is a
#   TEXT_PARTIAL searchable field); the result is matched on the exact name afterwards.
LIST_INGESTION_SOURCES = '''
query listIngestionSources($input: ListIngestionSourcesInput!) {
  listIngestionSources(input: $input) {
    start
    count
    total
    ingestionSources {
      urn
      name
    }
  }
}'''

GET_INGESTION_SOURCE = '''
query ingestionSource($urn: String!) {
  ingestionSource(urn: $urn) {
    urn
    name
    type
    schedule {
      interval
      timezone
    }
    config {
      recipe
      version
      executorId
      debugMode
      extraArgs {
        key
        value
      }
    }
  }
}'''

CREATE_INGESTION_SOURCE = '''
mutation createIngestionSource($input: UpdateIngestionSourceInput!) {
  createIngestionSource(input: $input)
}'''

UPDATE_INGESTION_SOURCE = '''
mutation updateIngestionSource($urn: String!, $input: UpdateIngestionSourceInput!) {
  updateIngestionSource(urn: $urn, input: $input)
}'''

DELETE_INGESTION_SOURCE = '''
mutation deleteIngestionSource($urn: String!) {
  deleteIngestionSource(urn: $urn)
}'''

CREATE_EXECUTION_REQUEST = '''
mutation createIngestionExecutionRequest($input: CreateIngestionExecutionRequestInput!) {
  createIngestionExecutionRequest(input: $input)
}'''

GET_EXECUTION_REQUEST = '''
query executionRequest($urn: String!) {
  executionRequest(urn: $urn) {
    urn
    result {
      status
      startTimeMs
      durationMs
      report
    }
  }
}'''

LIST_SECRETS = '''
query listSecrets($input: ListSecretsInput!) {
  listSecrets(input: $input) {
    start
    count
    total
    secrets {
      urn
      name
      description
    }
  }
}'''

CREATE_SECRET = '''
mutation createSecret($input: CreateSecretInput!) {
  createSecret(input: $input)
}'''

UPDATE_SECRET = '''
mutation updateSecret($input: UpdateSecretInput!) {
  updateSecret(input: $input)
}'''

DELETE_SECRET = '''
mutation deleteSecret($urn: String!) {
  deleteSecret(urn: $urn)
}'''

# ---------------------------------------------------------------- execution requests
# Statuses of an execution request's result: li-utils Constants.java (EXECUTION_REQUEST_STATUS_*:
# RUNNING, SUCCESS, FAILURE, TIMEOUT, CANCELLED, ABORTED, DUPLICATE) and the UI's list
# (datahub-web-react .../ingest/source/utils.ts: also SUCCEEDED_WITH_WARNINGS, UP_FOR_RETRY,
# ROLLING_BACK, ROLLED_BACK, ROLLBACK_FAILED). The schema's comment ("e.g. either SUCCEEDED or
# FAILED") does not match the values the executor writes. A request without a result has not
# started. Any status not listed as pending is final.
EXECUTION_SUCCESS = ('SUCCESS', 'SUCCEEDED_WITH_WARNINGS')
EXECUTION_PENDING = ('RUNNING', 'PENDING', 'UP_FOR_RETRY', 'ROLLING_BACK')
REPORT_TAIL_LINES = 30
REPORT_TAIL_CHARS = 3000


class DataHubError(Exception):
    """A request that failed; the message names the operation and never holds the token."""

    def __init__(self, msg, status=None):
        super().__init__(msg)
        self.status = status


# ================================================================ connection

def datahub_argument_spec():
    """Connection options common to every module of this family."""
    return dict(
        url=dict(type='str', required=True),
        token=dict(type='str', no_log=True),
        validate_certs=dict(type='bool', default=True),
        ca_path=dict(type='path'),
        timeout=dict(type='float', default=30.0),
    )


def graphql_endpoint(url):
    """The GraphQL endpoint for url (GMS or frontend address, or the endpoint itself)."""
    if not isinstance(url, str) or not re.match(r'^https?://[^/\s?#]+', url):
        raise ValueError('url must start with http:// or https:// followed by the host, for example '
                         'https://datahub.example.com:8080 (got %r)' % (url,))
    url = url.rstrip('/')
    if url.endswith('/graphql'):
        return url
    return url + GRAPHQL_PATH


def is_loopback_url(url):
    host = re.sub(r'^https?://', '', url).split('/')[0].rsplit(':', 1)[0].strip('[]').lower()
    return host in ('localhost', '::1') or host.startswith('127.')


class DataHubClient:
    """POSTs GraphQL documents to one DataHub (GMS or frontend) and returns their ``data``."""

    def __init__(self, url, token=None, validate_certs=True, ca_path=None, timeout=30.0):
        self.endpoint = graphql_endpoint(url)
        self.token = token or None
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.timeout = timeout

    @classmethod
    def from_params(cls, params):
        return cls(params['url'], token=params.get('token'), validate_certs=params.get('validate_certs', True),
                   ca_path=params.get('ca_path'), timeout=params.get('timeout') or 30.0)

    def scrub(self, text):
        """text without the token (for every message that leaves the client)."""
        text = '%s' % (text,)
        if self.token:
            text = text.replace(self.token, MASK)
        return text

    def _error(self, operation, detail, status=None):
        return DataHubError(self.scrub('%s failed at %s: %s' % (operation, self.endpoint, detail)), status=status)

    def graphql(self, query, variables=None, operation=None):
        """Runs one GraphQL document and returns its ``data`` (a dict); raises DataHubError."""
        body = json.dumps({'query': query, 'variables': variables or {}, 'operationName': operation})
        operation = operation or 'GraphQL request'     # for messages
        headers = {'Content-Type': 'application/json', 'Accept': 'application/json'}
        if self.token:
            headers['Authorization'] = 'Bearer %s' % self.token
        try:
            response = open_url(self.endpoint, data=body, headers=headers, method='POST',
                                validate_certs=self.validate_certs, ca_path=self.ca_path, timeout=self.timeout,
                                http_agent=HTTP_AGENT, follow_redirects='none', use_netrc=False)
            text = response.read()
        except HTTPError as e:
            raise self._http_error(operation, e)
        except URLError as e:
            raise self._error(operation, 'cannot reach DataHub: %s' % (getattr(e, 'reason', None) or e))
        except Exception as e:  # pylint: disable=broad-except
            # open_url's own errors (ConnectionError, SSLValidationError), timeouts (OSError)...
            raise self._error(operation, 'cannot reach DataHub: %s: %s' % (type(e).__name__, e))
        answer = self._json(operation, text)
        errors = answer.get('errors')
        if errors:
            raise self._error(operation, graphql_error_text(errors))
        data = answer.get('data')
        if not isinstance(data, dict):
            raise self._error(operation, 'the answer has no data: %s' % _clip(json.dumps(answer), 300))
        return data

    def _json(self, operation, text):
        if isinstance(text, bytes):
            text = text.decode('utf-8', errors='replace')
        try:
            answer = json.loads(text)
        except ValueError:
            raise self._error(operation, 'the answer is not JSON (is url the address of DataHub GMS or of its frontend?): '
                                         '%s' % _clip(text, 200))
        if not isinstance(answer, dict):
            raise self._error(operation, 'the answer is not a GraphQL response: %s' % _clip(text, 200))
        return answer

    def _http_error(self, operation, error):
        status = error.code
        body = ''
        try:
            body = error.read() or b''
            body = body.decode('utf-8', errors='replace') if isinstance(body, bytes) else body
        except Exception:  # pylint: disable=broad-except
            pass
        detail = 'HTTP %s %s' % (status, getattr(error, 'reason', '') or getattr(error, 'msg', '') or '')
        detail = detail.rstrip()
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and parsed.get('errors'):
            detail += ': ' + graphql_error_text(parsed['errors'])
        elif isinstance(parsed, dict) and (parsed.get('message') or parsed.get('error')):
            detail += ': %s' % (parsed.get('message') or parsed.get('error'))
        elif body.strip():
            detail += ': ' + _clip(body.strip(), 200)
        if 300 <= status < 400:
            location = error.headers.get('Location') if getattr(error, 'headers', None) is not None else None
            detail += ' (redirected%s; give the final address in url)' % (' to %s' % location if location else '')
        elif status == 401:
            detail += (' (DataHub refused the request: give a valid personal access token in token; with metadata '
                       'service authentication enabled every request needs one)' if self.token else
                       ' (DataHub has metadata service authentication enabled: give a personal access token in token)')
        elif status == 403:
            detail += ' (the token\'s user lacks the privilege for this operation, for example Manage Metadata Ingestion or Manage Secrets)'
        return self._error(operation, detail, status=status)


def graphql_error_text(errors):
    """The messages of a GraphQL errors array, joined."""
    messages = []
    for error in errors if isinstance(errors, list) else [errors]:
        if isinstance(error, dict):
            message = error.get('message') or json.dumps(error)
            code = (error.get('extensions') or {}).get('code')
            messages.append('%s (code %s)' % (message, code) if code else message)
        else:
            messages.append('%s' % (error,))
    return '; '.join(messages)


def _clip(text, size):
    text = '%s' % (text,)
    return text if len(text) <= size else text[:size] + '...'


class DataHubObjectManager:
    """The common state of a module that changes one named DataHub object: the mutations it would send (actions,
    recorded in check mode too), whether one reached DataHub (sent), and the object's urn."""

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.name = module.params['name']
        self.actions = []
        self.sent = False       # whether a mutation reached DataHub
        self.urn = None

    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, changed=self.sent, actions=self.actions, urn=self.urn, **kwargs)

    def write(self, document, variables, operation):
        """A mutation: recorded in actions, not sent in check mode. Returns its result or None."""
        self.actions.append(operation)
        if self.module.check_mode:
            return None
        data = self.client.graphql(document, variables, operation)
        self.sent = True
        return data.get(operation)


def paginate(client, query, operation, field, items_key, query_text=None, page_size=PAGE_SIZE):
    """Every item of a list query (listIngestionSources, listSecrets), page by page.

    The input is {start, count, query}; pages are read until ``total`` items were seen or a
    page comes back empty."""
    items = []
    start = 0
    for _page in range(MAX_PAGES):
        variables = {'input': {'start': start, 'count': page_size}}
        if query_text:
            variables['input']['query'] = query_text
        data = client.graphql(query, variables, operation)
        result = data.get(field) or {}
        page = result.get(items_key) or []
        items.extend(page)
        start += len(page)
        total = result.get('total')
        if not page or (total is not None and start >= total):
            return items
    raise DataHubError('%s: still more results after %d pages of %d; giving up' % (operation, MAX_PAGES, page_size))


def find_by_name(client, query, operation, field, items_key, name, page_size=PAGE_SIZE):
    """The items named exactly ``name``.

    First searched with query=name. Full-text search may not find a name made of characters
    the search analyzer drops, so when no item matches exactly the whole list is read once
    more without a query before the name is taken as unused."""
    found = [i for i in paginate(client, query, operation, field, items_key, name, page_size) if i.get('name') == name]
    if not found:
        found = [i for i in paginate(client, query, operation, field, items_key, None, page_size) if i.get('name') == name]
    return found


# ================================================================ recipes

def parse_recipe(value):
    """A recipe as a dict, from a dict or from a JSON or YAML text. Raises ValueError."""
    if isinstance(value, dict):
        recipe = json.loads(json.dumps(value))      # a plain copy; fails on what JSON cannot hold
    elif isinstance(value, (str, bytes)):
        text = value.decode('utf-8') if isinstance(value, bytes) else value
        if not text.strip():
            raise ValueError('the recipe is empty')
        try:
            recipe = json.loads(text)
        except ValueError as json_error:
            if not HAS_YAML:
                raise ValueError('the recipe is not JSON (%s), and PyYAML, needed to read it as YAML, is not '
                                 'installed' % json_error)
            try:
                recipe = yaml.safe_load(text)
            except yaml.YAMLError as e:
                raise ValueError('the recipe is neither JSON nor YAML: %s' % e)
    else:
        raise ValueError('the recipe must be a dictionary, or a JSON or YAML text, not %s' % type(value).__name__)
    if not isinstance(recipe, dict):
        raise ValueError('the recipe must be a mapping with a source section, not %s' % type(recipe).__name__)
    return recipe


def canonical_json(value):
    """One text per meaning: sorted keys, no spaces (what is sent as config.recipe)."""
    return json.dumps(value, sort_keys=True, separators=(',', ':'), ensure_ascii=False)


def recipe_source_type(recipe):
    """recipe.source.type, or None."""
    source = recipe.get('source') if isinstance(recipe, dict) else None
    value = source.get('type') if isinstance(source, dict) else None
    return value if isinstance(value, str) and value else None


# ================================================================ secrets in recipes

# DataHub resolves ${NAME} in a recipe from its secrets when it runs it
# (metadata-ingestion/src/datahub/secret/secret_common.py, resolve_recipe, with the
# environment-variable syntax of datahub/configuration/config_loader.py).
SECRET_REFERENCE_RE = re.compile(r'^\$\{[A-Za-z_][A-Za-z0-9_]*\}$')
SECRET_NAME_RE = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
# Words (of a key split at non-alphanumerics and camelCase) that make a key secret...
SECRET_WORDS = frozenset(('password', 'passwd', 'pwd', 'passphrase', 'secret', 'token', 'apikey'))
# ... and pairs of words that do, in this order (private_key, access_key, api_key).
SECRET_PAIRS = (('private', 'key'), ('access', 'key'), ('api', 'key'))
# A key whose last word is one of these names something about a secret, not the secret itself:
# private_key_path, token_name (Tableau's PAT name), aws_access_key_id, password_file.
NOT_SECRET_LAST_WORDS = frozenset(('path', 'file', 'name', 'id', 'type', 'url', 'uri', 'endpoint', 'env', 'method'))
_WORD_RE = re.compile(r'[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])')


_VOCABULARY = SECRET_WORDS.union(w for pair in SECRET_PAIRS for w in pair)


def _singular(word):
    return word[:-1] if word.endswith('s') and word not in _VOCABULARY and word[:-1] in _VOCABULARY else word


def key_words(key):
    """The lowercase words of a key, plurals of the secret words made singular:
    sasl.password -> [sasl, password], clientSecret -> [client, secret], api_keys -> [api, key]."""
    return [_singular(w.lower()) for w in _WORD_RE.split('%s' % (key,)) if w]


def is_secret_key(key):
    """Whether a recipe key names a secret (by its name only), e.g. password, sasl.password,
    client_secret, token, private_key, aws_secret_access_key, apiKey."""
    words = key_words(key)
    if not words or words[-1] in NOT_SECRET_LAST_WORDS:
        return False
    if SECRET_WORDS.intersection(words):
        return True
    return any(a in words and b in words[words.index(a) + 1:] for a, b in SECRET_PAIRS)


def is_secret_reference(value):
    return isinstance(value, str) and SECRET_REFERENCE_RE.match(value) is not None


def _join(path, key):
    return '%s.%s' % (path, key) if path else '%s' % (key,)


def clear_secret_paths(recipe, path='', inherited=False):
    """The paths (source.config.password, ...) of values under secret-looking keys that are not
    entirely a ${NAME} reference. Under a secret key every string, number and nested value counts;
    true/false and null do not (switches such as use_token: true)."""
    found = []
    if isinstance(recipe, dict):
        for key, value in recipe.items():
            found.extend(clear_secret_paths(value, _join(path, key), inherited or is_secret_key(key)))
    elif isinstance(recipe, list):
        for index, value in enumerate(recipe):
            found.extend(clear_secret_paths(value, '%s[%d]' % (path, index), inherited))
    elif inherited and recipe is not None and not isinstance(recipe, bool) and not is_secret_reference(recipe):
        found.append(path)
    return found


def clear_secrets_problem(recipe):
    """The message refusing a recipe with secrets in clear, or None. Names paths, never values."""
    paths = clear_secret_paths(recipe)
    if not paths:
        return None
    return ('the recipe holds %s in clear: %s. Store each value as a DataHub secret (datamesh.platform.datahub_secret) '
            'and write a reference such as ${MY_SECRET} instead; DataHub resolves it when the ingestion runs'
            % ('a secret' if len(paths) == 1 else '%d secrets' % len(paths), ', '.join(paths)))


_REPORT_SECRET_RE = re.compile(
    r'''(?i)((?:password|passwd|pwd|passphrase|secret|token|api[_-]?key|private[_-]?key|access[_-]?key)'''
    r'''[\w.-]*["']?\s*[:=]\s*)(["']?)(?!\$\{)([^\s"',}\]]+)''')


def mask_report(text, token=None):
    """An execution report with the token and the values after secret-looking keys masked."""
    text = '%s' % (text or '',)
    if token:
        text = text.replace(token, MASK)
    return _REPORT_SECRET_RE.sub(lambda m: m.group(1) + m.group(2) + MASK, text)


def report_tail(text, token=None, lines=REPORT_TAIL_LINES, chars=REPORT_TAIL_CHARS):
    """The end of an execution report, masked and cut to a few lines."""
    kept = mask_report(text, token).rstrip().splitlines()[-lines:]
    tail = '\n'.join(kept)
    if len(tail) > chars:
        tail = '...' + tail[-chars:]
    return tail


# ================================================================ schedules

MONTHS = ('JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC')
DAYS = ('SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT')
# (label, lowest, highest, names numbered from lowest) of the five fields. DataHub prefixes a
# 5-field interval with "0 " (seconds) and parses it with Spring's CronExpression
# (UpsertIngestionSourceResolver.adjustCronInterval), which also knows L, W and # below.
CRON_FIELDS = (
    ('minute', 0, 59, ()),
    ('hour', 0, 23, ()),
    ('day of month', 1, 31, ()),
    ('month', 1, 12, MONTHS),
    ('day of week', 0, 7, DAYS),
)
_CRON_DOM_SPECIAL_RE = re.compile(r'^(L|LW|L-\d{1,2}|\d{1,2}W)$')
_CRON_DOW_SPECIAL_RE = re.compile(r'^([0-7]|[A-Z]{3})(L|#[1-5])$')


def _cron_value(text, low, high, names):
    if text.isdigit():
        number = int(text)
        return number if low <= number <= high else None
    if text.upper() in names:
        return names.index(text.upper()) + low
    return None


def _cron_item_problem(item, label, low, high, names):
    if label == 'day of month' and _CRON_DOM_SPECIAL_RE.match(item.upper()):
        return None
    if label == 'day of week':
        m = _CRON_DOW_SPECIAL_RE.match(item.upper())
        if m and _cron_value(m.group(1), low, high, names) is not None:
            return None
    base, _slash, step = item.partition('/')
    if _slash and not (step.isdigit() and int(step) > 0):
        return 'step %r is not a positive number' % step
    if base == '*' or (base == '?' and label in ('day of month', 'day of week')):
        return None
    first, _dash, last = base.partition('-')
    values = [_cron_value(first, low, high, names)] + ([_cron_value(last, low, high, names)] if _dash else [])
    if None in values:
        allowed = '%d-%d' % (low, high) + (' or %s-%s' % (names[0], names[-1]) if names else '')
        return '%r is not a value (%s), a range, *, or one with a /step' % (base, allowed)
    if _dash and values[0] > values[1]:
        return 'range %r runs backwards' % base
    return None


def cron_problem(interval):
    """Why interval is not a 5-field cron expression DataHub accepts, or None."""
    if not isinstance(interval, str) or not interval.strip():
        return 'schedule.interval is empty'
    fields = interval.split()
    if len(fields) != 5:
        return ('schedule.interval %r has %d fields; give the 5 of cron: minute hour day-of-month month day-of-week, '
                'for example "0 2 * * *" (every day at 02:00)' % (interval, len(fields)))
    for value, (label, low, high, names) in zip(fields, CRON_FIELDS):
        for item in value.split(','):
            problem = _cron_item_problem(item, label, low, high, names) if item else 'an empty list item'
            if problem:
                return 'schedule.interval %r, %s field %r: %s' % (interval, label, value, problem)
    return None


def normalize_cron(interval):
    """The interval with single spaces: DataHub splits it at single spaces to count its fields."""
    return ' '.join(interval.split())


# ================================================================ execution requests

def execution_state(request):
    """The module's view of an executionRequest answer: urn, status, start_time_ms, duration_ms."""
    result = (request or {}).get('result') or {}
    return dict(urn=(request or {}).get('urn'), status=result.get('status'),
                start_time_ms=result.get('startTimeMs'), duration_ms=result.get('durationMs'))


def execution_finished(status):
    return status is not None and status not in EXECUTION_PENDING


def wait_for_execution(client, urn, timeout, interval=10.0, clock=None, sleep=None):
    """Polls executionRequest(urn) until its status is final or timeout seconds have passed.

    Returns (request, timed_out); request is the last executionRequest answer (None when DataHub
    has not answered with one yet)."""
    clock = clock or time.monotonic
    sleep = sleep or time.sleep
    deadline = clock() + timeout
    request = None
    while True:
        data = client.graphql(GET_EXECUTION_REQUEST, {'urn': urn}, 'executionRequest')
        request = data.get('executionRequest') or request
        if execution_finished(execution_state(request)['status']):
            return request, False
        remaining = deadline - clock()
        if remaining <= 0:
            return request, True
        sleep(min(interval, remaining))
