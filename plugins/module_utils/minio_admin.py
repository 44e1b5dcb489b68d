# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""A thin wrapper around ``minio.minioadmin.MinioAdmin`` (the MinIO admin API, minio-py 7.2.x).

It hides what changed inside 7.2.x, so modules call one interface:

- Constructor: positional parameters up to 7.2.16, keyword-only from 7.2.17. It is always
  called with keywords, which both forms accept.
- Policy documents: ``policy_add``, ``add_service_account`` and ``update_service_account``
  take a ``policy`` dict only from 7.2.17; before that only a ``policy_file`` path, so the
  document goes through a temporary file (mode 0600, removed afterwards). An empty policy
  ``{}`` (which tells the server to drop a key's inline policy) always goes through a file,
  because every version skips a falsy ``policy`` dict.
- Attaching named policies: ``attach_policy``/``detach_policy`` from 7.2.14; before that
  ``policy_set``, which replaces the whole set (comma-separated names), and ``policy_unset``
  to remove the last ones.

Every method of ``MinioAdmin`` returns a string (usually JSON): it is parsed here.
``MinioAdminException(code, body)`` carries the HTTP status and the server's JSON error
(``{"Code": "XMinioAdminNoSuchUser", "Message": ...}``); it becomes ``AdminError`` with
``status``, ``code`` and ``message``. Transport failures (refused connection, DNS, TLS)
become ``EndpointError``.

Write calls go through one place: they are recorded in ``actions`` (never with secrets)
and, in check mode, only recorded, never sent.

The ``Backend`` holds what comes from the minio package, so unit tests can pass a protocol
double of the admin API instead of the real library.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import re
import secrets
import string
import tempfile
import traceback
from urllib.parse import urlsplit

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.datamesh.platform.plugins.module_utils.minio import require_minio_admin

try:
    import certifi
    import minio
    import urllib3
    from minio.credentials import StaticProvider
    from minio.error import MinioAdminException
    from minio.minioadmin import MinioAdmin
    HAS_MINIO_ADMIN = True
    MINIO_ADMIN_IMPORT_ERROR = None
except ImportError:
    HAS_MINIO_ADMIN = False
    MINIO_ADMIN_IMPORT_ERROR = traceback.format_exc()

# Codes MinIO answers with (minio/minio cmd/api-errors.go).
NOT_FOUND_CODES = frozenset((
    'XMinioAdminNoSuchUser',
    'XMinioAdminNoSuchPolicy',
    'XMinioInvalidIAMCredentials',      # service account not found (404)
    'XMinioAdminNoSuchAccessKey',
))
BAD_CREDENTIAL_CODES = frozenset(('InvalidAccessKeyId', 'SignatureDoesNotMatch'))
# attach/detach that changes nothing: 400 PolicyChangeAlreadyApplied on current servers,
# 409/404 on others.
NO_POLICY_CHANGE_CODES = frozenset((
    'XMinioAdminPolicyChangeAlreadyApplied',
    'XMinioPolicyAlreadyAttached',
    'XMinioPolicyNotAttached',
))

SECRET_ALPHABET = string.ascii_letters + string.digits


def generate_secret(length=40):
    """A random secret key; MinIO accepts 8 to 40 characters."""
    return ''.join(secrets.choice(SECRET_ALPHABET) for dummy in range(length))


class AdminError(Exception):
    """The admin API answered with an error (or with something that is not its answer)."""

    def __init__(self, operation, status=None, code=None, message=None, body=None, from_minio=False):
        self.operation = operation
        self.status = status
        self.code = code
        self.message = message
        self.body = body
        # True when the body was MinIO's JSON error; an S3 server that is not MinIO answers
        # the admin paths with an XML S3 error (or HTML from a proxy).
        self.from_minio = from_minio
        super().__init__(self.describe())

    @property
    def not_found(self):
        return self.code in NOT_FOUND_CODES

    @property
    def bad_credentials(self):
        return self.code in BAD_CREDENTIAL_CODES

    def describe(self):
        detail = self.message or (self.body or '')[:300] or 'no details'
        if self.code:
            return '%s failed: %s (%s, HTTP %s)' % (self.operation, detail, self.code, self.status)
        return '%s failed: %s (HTTP %s)' % (self.operation, detail, self.status)


class EndpointError(Exception):
    """The MinIO endpoint could not be reached (connection refused, DNS, TLS, timeout)."""


def parse_error(exc, operation):
    """AdminError from a MinioAdminException(code, body); the body is MinIO's JSON error,
    or XML when the endpoint is an S3 server that is not MinIO."""
    status = getattr(exc, '_code', None)
    body = getattr(exc, '_body', None)
    if status is None:
        # Not the shape minio-py has had since 7.2.0: keep what the message says.
        match = re.search(r'Status: (\S+), Body: (.*)$', str(exc), re.S)
        status, body = (match.group(1), match.group(2)) if match else (None, str(exc))
    code = message = None
    try:
        data = json.loads(body) if body else None
    except ValueError:
        data = None
    from_minio = isinstance(data, dict) and 'Code' in data
    if from_minio:
        code, message = data.get('Code'), data.get('Message')
    elif body:
        found = re.search(r'<Code>([^<]+)</Code>', body)
        code = found.group(1) if found else None
        found = re.search(r'<Message>([^<]*)</Message>', body)
        message = found.group(1) if found else None
    return AdminError(operation, status=str(status) if status is not None else None,
                      code=code, message=message, body=body, from_minio=from_minio)


def parse_json(text, operation):
    """The JSON answer of an admin call; an empty answer is None."""
    if text is None or not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise AdminError(operation, code='InvalidResponse',
                         message='the answer is not JSON: %r' % text[:200]) from None


def parse_endpoint(url):
    """(host[:port], secure) from endpoint_url; MinioAdmin wants the host without scheme."""
    parts = urlsplit(url or '')
    if parts.scheme not in ('http', 'https') or not parts.hostname or '@' in parts.netloc:
        raise ValueError('endpoint_url must look like http(s)://host[:port], got %r' % url)
    if parts.path not in ('', '/') or parts.query or parts.fragment:
        raise ValueError('endpoint_url must not have a path or query (the admin API lives at '
                         '/minio/admin/v3 of the S3 endpoint), got %r' % url)
    return parts.netloc, parts.scheme == 'https'


class Capabilities:
    """What the installed MinioAdmin class can do, read from its signatures (not its version
    number, so a backport or a patched package is judged by what it actually has)."""

    def __init__(self, admin_class):
        self.keyword_only_constructor = _param_kind(admin_class.__init__, 'endpoint') == inspect.Parameter.KEYWORD_ONLY
        self.policy_param = frozenset(
            name for name in ('policy_add', 'add_service_account', 'update_service_account')
            if _param_kind(getattr(admin_class, name, None), 'policy') is not None)
        self.attach_policy = callable(getattr(admin_class, 'attach_policy', None))
        self.service_accounts = callable(getattr(admin_class, 'add_service_account', None))

    def as_dict(self):
        return dict(keyword_only_constructor=self.keyword_only_constructor,
                    policy_dict=sorted(self.policy_param),
                    attach_policy=self.attach_policy,
                    service_accounts=self.service_accounts)


def _param_kind(func, name):
    if func is None:
        return None
    try:
        param = inspect.signature(func).parameters.get(name)
    except (TypeError, ValueError):
        return None
    return param.kind if param is not None else None


class Backend:
    """What the wrapper takes from the minio package: the admin class, the credentials
    provider, the exception class, the transport errors to catch, the package version and
    a factory for the urllib3 pool. Unit tests build one around a protocol double."""

    def __init__(self, admin_class, provider_class, exception_class, transport_errors, version,
                 http_client_factory):
        self.admin_class = admin_class
        self.provider_class = provider_class
        self.exception_class = exception_class
        self.transport_errors = tuple(transport_errors)
        self.version = version
        self.http_client_factory = http_client_factory
        self.capabilities = Capabilities(admin_class)


def _http_client(validate_certs, ca_bundle):
    """A urllib3 pool with short timeouts: MinioAdmin's own default waits 5 minutes to
    connect and retries 5 times, so an unreachable endpoint would hang a play."""
    if not validate_certs:
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=10, read=60),
        maxsize=4,
        cert_reqs='CERT_REQUIRED' if validate_certs else 'CERT_NONE',
        ca_certs=ca_bundle or os.environ.get('SSL_CERT_FILE') or certifi.where(),
        retries=urllib3.Retry(total=2, backoff_factor=0.5, status_forcelist=[502, 503, 504]),
    )


def load_backend(module):
    """The real minio package, or fail_json: missing library (missing_required_lib) or a
    version without the admin calls this collection needs (>= 7.2.5)."""
    require_minio_admin(module)
    if not HAS_MINIO_ADMIN:
        module.fail_json(msg=missing_required_lib('minio>=7.2.5'), exception=MINIO_ADMIN_IMPORT_ERROR)
    backend = Backend(MinioAdmin, StaticProvider, MinioAdminException,
                      (urllib3.exceptions.HTTPError, OSError), minio.__version__, _http_client)
    if not backend.capabilities.service_accounts:
        module.fail_json(msg='the minio Python package >= 7.2.5 is required (service accounts over '
                             'the admin API), found %s' % minio.__version__)
    return backend


def connect(backend, endpoint_url, access_key, secret_key, region='', validate_certs=True,
            ca_bundle=None, check_mode=False, actions=None):
    """An AdminClient authenticated as access_key. Makes no request."""
    endpoint, secure = parse_endpoint(endpoint_url)
    admin = backend.admin_class(
        endpoint=endpoint,
        credentials=backend.provider_class(access_key, secret_key),
        region=region or '',
        secure=secure,
        cert_check=validate_certs,
        http_client=backend.http_client_factory(validate_certs, ca_bundle),
    )
    return AdminClient(backend, admin, access_key, check_mode=check_mode, actions=actions)


class AdminClient:
    """One identity's view of the admin API: parsed reads, recorded writes."""

    def __init__(self, backend, admin, identity, check_mode=False, actions=None):
        self.backend = backend
        self.caps = backend.capabilities
        self._admin = admin
        self.identity = identity
        self.check_mode = check_mode
        self.actions = actions if actions is not None else []

    # ------------------------------------------------------------------ plumbing
    def _call(self, method, *args, **kwargs):
        operation = method
        try:
            return getattr(self._admin, method)(*args, **kwargs)
        except self.backend.exception_class as exc:
            raise parse_error(exc, operation) from None
        except self.backend.transport_errors as exc:
            raise EndpointError(str(exc)) from None
        except ValueError as exc:   # the client refused the arguments before sending
            raise AdminError(operation, code='ClientValueError', message=str(exc)) from None

    def _write(self, action, method, *args, **kwargs):
        self.actions.append(action)
        if self.check_mode:
            return None
        return self._call(method, *args, **kwargs)

    def _read_optional(self, method, *args):
        """Parsed answer, or None when the server says the object does not exist."""
        try:
            return parse_json(self._call(method, *args), method)
        except AdminError as err:
            if err.not_found:
                return None
            raise

    @contextlib.contextmanager
    def _policy_arg(self, method, document):
        """kwargs carrying a policy document the way this client version accepts it."""
        if document is None:
            yield {}
            return
        if document and method in self.caps.policy_param:
            yield {'policy': document}
            return
        fd, path = tempfile.mkstemp(prefix='minio-policy-', suffix='.json')
        try:
            with os.fdopen(fd, 'w') as handle:
                json.dump(document, handle)
            yield {'policy_file': path}
        finally:
            os.unlink(path)

    # ------------------------------------------------------------------ reads
    def user_info(self, user):
        """{'policyName': 'a,b', 'status': 'enabled'|'disabled', ...} or None."""
        return self._read_optional('user_info', user)

    def policy_info(self, name):
        """The canned policy's document or None."""
        return self._read_optional('policy_info', name)

    def service_account_info(self, access_key):
        """{'parentUser', 'accountStatus': 'on'|'off', 'impliedPolicy', 'policy' (JSON text),
        'description', 'expiration', ...} or None."""
        return self._read_optional('get_service_account', access_key)

    # ------------------------------------------------------------------ writes
    def user_add(self, user, secret_key):
        self._write('user_add %s' % user, 'user_add', user, secret_key)

    def policy_add(self, name, document):
        with self._policy_arg('policy_add', document) as policy:
            self._write('policy_add %s' % name, 'policy_add', name, **policy)

    def set_user_policies(self, user, current, target):
        """Make the user's attached named policies exactly `target`."""
        current, target = set(current), set(target)
        to_add, to_remove = sorted(target - current), sorted(current - target)
        if not to_add and not to_remove:
            return
        if self.caps.attach_policy:
            if to_add:
                self._policy_mapping('attach_policy %s to user %s' % (','.join(to_add), user),
                                     'attach_policy', to_add, user=user)
            if to_remove:
                self._policy_mapping('detach_policy %s from user %s' % (','.join(to_remove), user),
                                     'detach_policy', to_remove, user=user)
        elif target:
            # minio < 7.2.14: set-user-or-group-policy replaces the whole mapping.
            names = ','.join(sorted(target))
            self._write('policy_set %s on user %s' % (names, user), 'policy_set', names, user=user)
        else:
            self._policy_mapping('policy_unset %s from user %s' % (','.join(to_remove), user),
                                 'policy_unset', to_remove, user=user)

    def _policy_mapping(self, action, method, names, user):
        try:
            self._write(action, method, names, user=user)
        except AdminError as err:
            if err.code not in NO_POLICY_CHANGE_CODES:
                raise

    def add_service_account(self, access_key, secret_key, description=None, policy=None,
                            expiration=None):
        """Creates a key whose parent is this client's identity; returns the server's
        credentials answer (None in check mode)."""
        with self._policy_arg('add_service_account', policy or None) as policy_kw:
            answer = self._write(
                'add_service_account %s (parent: %s)' % (access_key, self.identity),
                'add_service_account', access_key=access_key, secret_key=secret_key,
                description=description or None, expiration=expiration, **policy_kw)
        return parse_json(answer, 'add_service_account') if answer is not None else None

    def update_service_account(self, access_key, secret_key=None, status=None, description=None,
                               expiration=None, policy=None, policy_kept=False):
        """policy: a document to set, {} to drop the inline policy, None to send none.

        MinIO drops a key's inline policy on any update that carries none (minio/minio
        cmd/iam-store.go, UpdateServiceAccount), so callers re-send the policy to keep and say
        so with policy_kept=True (it then shows as such in the action)."""
        fields = [name for name, value in (('secret_key', secret_key), ('status', status),
                                           ('description', description),
                                           ('expiration', expiration)) if value is not None]
        if policy is not None:
            fields.append('policy unchanged, re-sent' if policy_kept else 'policy')
        with self._policy_arg('update_service_account', policy) as policy_kw:
            kwargs = dict(access_key=access_key, **policy_kw)
            for name, value in (('secret_key', secret_key), ('status', status),
                                ('description', description), ('expiration', expiration)):
                if value is not None:
                    kwargs[name] = value
            self._write('update_service_account %s (%s)' % (access_key, ', '.join(fields)),
                        'update_service_account', **kwargs)

    def delete_service_account(self, access_key):
        self._write('delete_service_account %s' % access_key, 'delete_service_account', access_key)
