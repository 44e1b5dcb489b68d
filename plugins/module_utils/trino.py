# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Shared code of the Trino modules: connection options and client, catalog definitions.

- Connection: the options are documented once in doc_fragments/trino.py. The optional
  ``trino`` client is imported here and reported with missing_required_lib() by
  require_trino(), so a module only fails for it when it actually connects.
- Catalogs: build_catalog() turns a module's input into the catalog's properties and
  refuses, before anything is changed, what Trino would refuse (or silently ignore):
  names it cannot parse, connector properties that are missing or malformed, S3
  settings that do not exist in the Trino version given.
- Formats: the ``.properties`` file Trino reads (format_properties, parse_properties)
  and the CREATE/DROP CATALOG statements (create_catalog_sql, drop_catalog_sql).
- Secrets: values of secret-looking properties are masked in everything returned.

Where a fact comes from (Trino source, docs, release notes) is noted beside it; what could
not be confirmed is marked UNCONFIRMED.
"""

from __future__ import annotations

import re
import traceback

from ansible.module_utils.basic import missing_required_lib

try:
    import trino.auth as trino_auth
    import trino.dbapi as trino_dbapi
    HAS_TRINO = True
    TRINO_IMPORT_ERROR = None
except ImportError:
    trino_auth = None
    trino_dbapi = None
    HAS_TRINO = False
    TRINO_IMPORT_ERROR = traceback.format_exc()

MASK = '********'
MASK_CHANGED = '******** (changed)'
DEFAULT_PORTS = {'http': 8080, 'https': 8443}

# ---------------------------------------------------------------- Trino versions and S3
# Legacy (Hadoop-based) object storage is off by default from 458: a catalog must set
# fs.native-s3.enabled (or another fs.native-*), or fs.hadoop.enabled=true to keep hive.s3.*
# (docs/src/main/sphinx/release/release-458.md, issue 23343).
LEGACY_FS_OPT_IN_SINCE = 458
# Legacy S3 deprecated in 470 (Trino release notes, https://trino.io/docs/current/release/release-470.html).
LEGACY_S3_DEPRECATED_SINCE = 470
# Legacy S3/GCS/Azure support removed in 481; fs.hadoop.enabled only means HDFS from then on
# (release-481.md, issue 24878).
LEGACY_S3_REMOVED_IN = 481
# The first release with native S3 (fs.native-s3.enabled) is UNCONFIRMED (not in 406). 443 is
# the earliest release whose notes mention it ("when native S3 file system support is
# enabled", release-443.md, issue 21111), so explicit native S3 is accepted from there.
NATIVE_S3_CONFIRMED_SINCE = 443
# Trino versions start at 351 (the rename from PrestoSQL, release-351.md).
FIRST_TRINO_VERSION = 351
# fs.native-s3.enabled was renamed fs.s3.enabled (PR 29070, merged 2026-04-11); the release
# is UNCONFIRMED (not in the 481-483 notes). 480's notes are dated January 2026, so 480 and older
# cannot know the new name. FileSystemConfig keeps the old name as
# @LegacyConfig("fs.native-s3.enabled"), so releases with the new name accept the old one as well
# (with a deprecation warning): we render fs.native-s3.enabled unless the task sets fs.s3.enabled.
NATIVE_S3_FLAGS = ('fs.native-s3.enabled', 'fs.s3.enabled')
LAST_RELEASE_WITHOUT_FS_S3_NAME = 480

# Connectors that read object storage; all four must choose a file system from 458 on.
OBJECT_STORAGE_CONNECTORS = ('hive', 'iceberg', 'delta_lake', 'hudi')
# Connectors whose properties this module knows and checks.
KNOWN_CONNECTORS = ('mysql', 'mariadb', 'hive', 'memory', 'tpch')

# ---------------------------------------------------------------- names
# Catalog names. Trino itself accepts any non-empty file name as a static catalog, except
# "system" (StaticCatalogManager/FileCatalogStore: "Catalog name SYSTEM is reserved for internal
# usage"), and lowercases names (spi CatalogName: "Currently, catalog names must be lowercase").
# In SQL an unquoted identifier must start with a letter and hold letters, digits and
# underscores (docs language/reserved.md "Identifiers"; SqlBase.g4 IDENTIFIER), reserved
# keywords must be quoted, and CREATE CATALOG on older releases stores a quoted name *with* its
# quotes (CreateCatalogTask used Identifier.toString(), which re-adds them). So a name is
# usable both as a file name and, unquoted, in SQL only in this form:
CATALOG_NAME_RE = re.compile(r'^[a-z][a-z0-9_]*$')
# Connector names as used after USING (also unquoted, same reason); e.g. delta_lake.
CONNECTOR_NAME_RE = re.compile(r'^[a-z][a-z0-9_]*$')
# Catalog property names: dotted, dashed lowercase words in every Trino connector.
PROPERTY_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]*$')
# Reserved keywords (docs/src/main/sphinx/language/reserved.md).
RESERVED_KEYWORDS = frozenset('''
ALTER AND AS AUTO BETWEEN BY CASE CAST CONSTRAINT CREATE CROSS CUBE CURRENT_CATALOG CURRENT_DATE
CURRENT_PATH CURRENT_ROLE CURRENT_SCHEMA CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER DEALLOCATE
DELETE DESCRIBE DISTINCT DROP ELSE END ESCAPE EXCEPT EXISTS EXTRACT FALSE FOR FROM FULL GROUP
GROUPING HAVING IN INNER INSERT INTERSECT INTO IS JOIN JSON_ARRAY JSON_EXISTS JSON_OBJECT
JSON_QUERY JSON_TABLE JSON_VALUE LEFT LIKE LISTAGG LOCALTIME LOCALTIMESTAMP NATURAL NORMALIZE
NOT NULL ON OR ORDER OUTER PREPARE PRIMARY RECURSIVE RIGHT ROLLUP SELECT SKIP TABLE THEN TRIM
TRUE UESCAPE UNION UNNEST USING VALUES WHEN WHERE WITH
'''.split())

# ---------------------------------------------------------------- secrets
SECRET_KEY_RE = re.compile(r'password|secret|key', re.IGNORECASE)
# ${ENV:NAME}: Trino reads the value from the coordinator's environment; the reference itself
# is not a secret (docs security/secrets.md; sql/create-catalog.md example).
ENV_REFERENCE_RE = re.compile(r'^\$\{ENV:[A-Za-z_][A-Za-z0-9_]*\}$')

DATA_SIZE_RE = re.compile(r'^\d+(\.\d+)?\s*(B|kB|MB|GB|TB|PB)$')
S3_ENDPOINT_RE = re.compile(r'^https?://[^/\s?#]+/?$')


class CatalogError(Exception):
    """Input that Trino would refuse; the message says what to change."""


# ================================================================ connection

def trino_argument_spec():
    """Connection options of the modules that talk to a Trino coordinator."""
    return dict(
        host=dict(type='str'),
        port=dict(type='int'),
        http_scheme=dict(type='str', default='https', choices=['http', 'https']),
        user=dict(type='str', default='ansible'),
        password=dict(type='str', no_log=True),
        validate_certs=dict(type='bool', default=True, aliases=['verify']),
        ca_cert=dict(type='path', aliases=['ca']),
        allow_insecure_auth=dict(type='bool', default=False),
        request_timeout=dict(type='float', default=30.0),
    )


def trino_available():
    """Whether the ``trino`` client could be imported (read at call time, so tests can switch it)."""
    return HAS_TRINO


def unreachable(error):
    """Whether ``error`` says that the coordinator could not be reached at all (nothing listens, no route,
    a timeout), as opposed to an answer that refuses the request. requests' errors are IOErrors."""
    if isinstance(error, (OSError, ConnectionError)):
        return True
    return any('ConnectionError' in c.__name__ or 'Timeout' in c.__name__ for c in type(error).__mro__)


def require_trino(module):
    if not HAS_TRINO:
        module.fail_json(msg=missing_required_lib('trino'), exception=TRINO_IMPORT_ERROR)


def coordinator_url(params):
    scheme = params['http_scheme']
    return '%s://%s:%s' % (scheme, params['host'], params['port'] or DEFAULT_PORTS[scheme])


def connection_problem(params):
    """Why these connection options must not be used, or None."""
    host = params.get('host')
    if not host:
        return 'host is required to connect to Trino'
    if '://' in host or '/' in host or re.match(r'^[^:\[\]]+:\d*$', host):
        return ('host must be a host name or address only (got %r); give the scheme in http_scheme '
                'and the port in port' % host)
    if params.get('password') and params['http_scheme'] == 'http' and not params.get('allow_insecure_auth'):
        return ('refusing to send the password of user %r over plain http to %s: Trino accepts password '
                'authentication only over HTTPS. Set http_scheme=https, or allow_insecure_auth=true for a '
                'test server' % (params['user'], coordinator_url(params)))
    return None


def connect(module, source='datamesh.platform'):
    """A DB-API connection to the coordinator in module.params (trino.dbapi.connect)."""
    params = module.params
    problem = connection_problem(params)
    if problem:
        module.fail_json(msg=problem)
    require_trino(module)
    scheme = params['http_scheme']
    kwargs = dict(
        host=params['host'],
        port=params['port'] or DEFAULT_PORTS[scheme],
        user=params['user'],
        http_scheme=scheme,
        source=source,
        request_timeout=params['request_timeout'],
    )
    if scheme == 'https':
        kwargs['verify'] = params['ca_cert'] if params['validate_certs'] and params['ca_cert'] else params['validate_certs']
    if params['password']:
        kwargs['auth'] = trino_auth.BasicAuthentication(params['user'], params['password'])
        if scheme == 'http':
            # Only reached with allow_insecure_auth=true (connection_problem). Clients from 0.339
            # refuse auth over http without it (CHANGES.md, PR 593); older ones lack the argument.
            kwargs['allow_insecure_auth'] = True
    try:
        return trino_dbapi.connect(**kwargs)
    except TypeError as e:
        if 'allow_insecure_auth' in kwargs and 'allow_insecure_auth' in str(e):
            del kwargs['allow_insecure_auth']
            return trino_dbapi.connect(**kwargs)
        raise


def run_sql(connection, statement):
    """Runs one statement and returns all its rows (fetching them also completes DDL)."""
    cursor = connection.cursor()
    try:
        cursor.execute(statement)
        return cursor.fetchall()
    finally:
        close = getattr(cursor, 'close', None)
        if close is not None:
            close()


# ================================================================ names and SQL

def catalog_name_problem(name):
    """Why Trino (or this module's SQL) cannot use name as a catalog name, or None."""
    if not name:
        return 'the catalog name is empty'
    if not CATALOG_NAME_RE.match(name):
        return ('catalog name %r: use lowercase letters, digits and underscores, starting with a letter '
                '(Trino lowercases catalog names, and other names need quoting in every query)' % name)
    if name == 'system':
        return 'catalog name "system" is reserved by Trino for its internal catalog'
    if name.upper() in RESERVED_KEYWORDS:
        return 'catalog name %r is a reserved SQL keyword in Trino; choose another name' % name
    return None


def quote_identifier(name):
    return '"%s"' % name.replace('"', '""')


def quote_literal(value):
    return "'%s'" % value.replace("'", "''")


def create_catalog_sql(name, connector, properties, mask_keys=()):
    """CREATE CATALOG name USING connector WITH ("prop" = 'value', ...), keys sorted.

    The catalog and connector names go unquoted (validated before); property names are always
    double-quoted (they contain . and -) and every value is a single-quoted string, as
    sql/create-catalog.md requires. Values of mask_keys are replaced by MASK.
    """
    statement = 'CREATE CATALOG %s USING %s' % (name, connector)
    if properties:
        statement += ' WITH (%s)' % ', '.join(
            '%s = %s' % (quote_identifier(key), quote_literal(MASK if key in mask_keys else properties[key]))
            for key in sorted(properties))
    return statement


def drop_catalog_sql(name):
    return 'DROP CATALOG %s' % name


SHOW_CATALOGS_SQL = 'SHOW CATALOGS'


def connector_name_sql(name):
    # system.metadata.catalogs has catalog_name, connector_id and, in newer releases only,
    # connector_name (CatalogSystemTable.java); no table or statement exposes the properties.
    return 'SELECT connector_name FROM system.metadata.catalogs WHERE catalog_name = %s' % quote_literal(name)


# ================================================================ secrets

def is_secret_key(key):
    return SECRET_KEY_RE.search(key) is not None


def is_env_reference(value):
    return isinstance(value, str) and ENV_REFERENCE_RE.match(value) is not None


def mask_keys(properties, secret_keys=()):
    """Keys whose values must not be shown: those given as secrets, and secret-looking keys
    (password, secret, key) unless the value is only an ${ENV:NAME} reference."""
    return set(k for k, v in properties.items()
               if k in secret_keys or (is_secret_key(k) and not is_env_reference(v)))


def masked(properties, secret_keys=()):
    hidden = mask_keys(properties, secret_keys)
    return dict((k, MASK if k in hidden else v) for k, v in properties.items())


def mask_text(text, properties, hidden):
    """text with the values of the hidden properties replaced by MASK (for error messages)."""
    for key in hidden:
        value = properties.get(key)
        if value and len(value) >= 3:
            text = text.replace(value, MASK)
    return text


# ================================================================ the .properties format

def _escape_value(value):
    out = []
    for i, ch in enumerate(value):
        code = ord(ch)
        if ch == '\\':
            out.append('\\\\')
        elif ch == ' ' and i == 0:
            out.append('\\ ')
        elif ch == '\t':
            out.append('\\t')
        elif ch == '\n':
            out.append('\\n')
        elif ch == '\r':
            out.append('\\r')
        elif ch == '\f':
            out.append('\\f')
        elif code < 0x20 or code > 0x7e:
            # ASCII only, as java.util.Properties.store writes: readable with any charset.
            if code > 0xFFFF:
                code -= 0x10000
                out.append('\\u%04X\\u%04X' % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)))
            else:
                out.append('\\u%04X' % code)
        else:
            out.append(ch)
    return ''.join(out)


def format_properties(connector, properties, hidden=(), changed=(), header=None):
    """The catalog file: optional comment header, connector.name first, then sorted keys.

    Values of hidden keys are shown as MASK, or MASK_CHANGED for keys in changed (so a diff
    of two masked texts still shows that a secret changed)."""
    lines = []
    if header:
        lines.append('# ' + header)
    if connector is not None:
        lines.append('connector.name=' + _escape_value(connector))
    for key in sorted(properties):
        if key in hidden:
            value = MASK_CHANGED if key in changed else MASK
        else:
            value = _escape_value(properties[key])
        lines.append('%s=%s' % (key, value))
    return '\n'.join(lines) + '\n'


_LINE_SPLIT_RE = re.compile(r'\r\n|\r|\n')
_WHITESPACE = ' \t\f'


def _continues(line):
    """A logical line continues when it ends with an odd number of backslashes."""
    count = len(line) - len(line.rstrip('\\'))
    return count % 2 == 1


def _unescape(text):
    out = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch != '\\' or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == 'u':
            digits = text[i + 2:i + 6]
            if len(digits) != 4 or any(c not in '0123456789abcdefABCDEF' for c in digits):
                raise ValueError('malformed \\uxxxx escape in %r' % text)
            out.append(chr(int(digits, 16)))
            i += 6
            continue
        out.append({'t': '\t', 'n': '\n', 'r': '\r', 'f': '\f'}.get(nxt, nxt))
        i += 2
    joined = ''.join(out)
    # \uD83D\uDE00 pairs become one character, as in Java's UTF-16 strings.
    return joined.encode('utf-16', 'surrogatepass').decode('utf-16')


def _split_key_value(line):
    n = len(line)
    j = 0
    escaped = False
    while j < n:
        ch = line[j]
        if escaped:
            escaped = False
        elif ch == '\\':
            escaped = True
        elif ch in '=:' or ch in _WHITESPACE:
            break
        j += 1
    key = line[:j]
    k = j
    if k < n and line[k] in '=:':
        k += 1
    else:
        while k < n and line[k] in _WHITESPACE:
            k += 1
        if k < n and line[k] in '=:':
            k += 1
    while k < n and line[k] in _WHITESPACE:
        k += 1
    return key, line[k:]


def parse_properties(text):
    """Parses a .properties text as java.util.Properties.load does (comments, continuation
    lines, = : or whitespace separators, escapes) and returns a dict. The last value wins."""
    lines = _LINE_SPLIT_RE.split(text)
    result = {}
    i = 0
    while i < len(lines):
        line = lines[i].lstrip(_WHITESPACE)
        i += 1
        if not line or line[0] in '#!':
            continue
        while _continues(line):
            line = line[:-1]
            if i >= len(lines):
                break
            line += lines[i].lstrip(_WHITESPACE)
            i += 1
        key, value = _split_key_value(line)
        result[_unescape(key)] = _unescape(value)
    return result


def split_connector(file_properties):
    """(connector, other properties) of a parsed catalog file."""
    properties = dict(file_properties)
    return properties.pop('connector.name', None), properties


# ================================================================ building a catalog

class CatalogSpec:
    """A validated catalog: connector, properties (str to str), keys to mask, warnings."""

    def __init__(self, connector, properties, secret_keys, warnings, s3_implementation=None):
        self.connector = connector
        self.properties = properties
        self.secret_keys = set(secret_keys)
        self.warnings = warnings
        self.s3_implementation = s3_implementation

    @property
    def hidden(self):
        return mask_keys(self.properties, self.secret_keys)

    def masked_properties(self):
        return masked(self.properties, self.secret_keys)

    def literal_secrets(self):
        """Hidden keys whose value is a literal (not an ${ENV:...} reference)."""
        return sorted(k for k in self.hidden if not is_env_reference(self.properties[k]))


def _property_value(key, value, option):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        if '\n' in value or '\r' in value:
            raise CatalogError('%s %r: the value contains a line break; catalog properties are single-line'
                               % (option, key))
        return value
    if value is None:
        raise CatalogError('%s %r has no value; give a string, a number or a boolean' % (option, key))
    raise CatalogError('%s %r: catalog property values are strings, numbers or booleans, not %s'
                       % (option, key, type(value).__name__))


def _normalize(properties, option):
    result = {}
    for key, value in (properties or {}).items():
        key = str(key)
        if not PROPERTY_NAME_RE.match(key):
            raise CatalogError('%s: %r is not a catalog property name (letters, digits, ".", "-" and "_")'
                               % (option, key))
        if key == 'connector.name':
            raise CatalogError('%s: set the connector with the connector option, not connector.name' % option)
        result[key] = _property_value(key, value, option)
    return result


def parse_trino_version(version):
    if version is None:
        return None
    if version < FIRST_TRINO_VERSION:
        raise CatalogError('trino_version %s: Trino releases are numbered from %d (older ones are PrestoSQL/Presto)'
                           % (version, FIRST_TRINO_VERSION))
    return version


def choose_s3_implementation(version, requested):
    """'legacy' (hive.s3.*) or 'native' (fs.native-s3.enabled + s3.*) for this Trino version."""
    if requested == 'auto':
        return 'legacy' if version < LEGACY_FS_OPT_IN_SINCE else 'native'
    if requested == 'native' and version < NATIVE_S3_CONFIRMED_SINCE:
        raise CatalogError(
            'native S3 (fs.native-s3.enabled) for Trino %d: the first release with native S3 is not confirmed; '
            'release notes mention it from %d on. Use s3_implementation=legacy (hive.s3.*) or auto, or set '
            'the properties yourself' % (version, NATIVE_S3_CONFIRMED_SINCE))
    if requested == 'legacy' and version >= LEGACY_S3_REMOVED_IN:
        raise CatalogError(
            'legacy S3 (hive.s3.*) was removed in Trino %d (release notes: legacy object storage support '
            'removed); Trino %d needs native S3: use s3_implementation=native or auto'
            % (LEGACY_S3_REMOVED_IN, version))
    return requested


def render_s3(s3, version, requested='auto'):
    """The catalog properties for structured S3 settings in this Trino version.

    Returns (properties, secret keys, implementation). Deprecation warnings come from
    build_catalog, which checks the rendered properties like any others."""
    implementation = choose_s3_implementation(version, requested)
    endpoint = s3.get('endpoint')
    if not endpoint or not S3_ENDPOINT_RE.match(endpoint):
        raise CatalogError('s3.endpoint %r: give the full URL with scheme and port, e.g. https://minio.example.com:9000 '
                           '(native S3 needs the scheme)' % (endpoint,))
    access_key = s3.get('access_key')
    secret_key = s3.get('secret_key')
    if bool(access_key) != bool(secret_key):
        raise CatalogError('s3.access_key and s3.secret_key must be given together (or neither, to use the '
                           'default AWS credential chain)')
    path_style = 'true' if s3.get('path_style', True) else 'false'
    if implementation == 'native':
        properties = {
            'fs.native-s3.enabled': 'true',
            's3.endpoint': endpoint,
            # The native implementation needs a region; MinIO accepts any unless one is configured.
            's3.region': s3.get('region') or 'us-east-1',
            's3.path-style-access': path_style,
        }
        keys = ('s3.aws-access-key', 's3.aws-secret-key')
    else:
        properties = {
            'hive.s3.endpoint': endpoint,
            'hive.s3.path-style-access': path_style,
        }
        if s3.get('region'):
            properties['hive.s3.region'] = s3['region']
        if endpoint.startswith('http://'):
            properties['hive.s3.ssl.enabled'] = 'false'
        if version >= LEGACY_FS_OPT_IN_SINCE:
            properties['fs.hadoop.enabled'] = 'true'
        keys = ('hive.s3.aws-access-key', 'hive.s3.aws-secret-key')
    secret_keys = set()
    if access_key:
        properties[keys[0]] = access_key
        properties[keys[1]] = secret_key
        secret_keys.update(keys)
    return properties, secret_keys, implementation


def _is_true(value):
    return value is not None and value.strip().lower() == 'true'


def _check_object_storage(connector, properties, version, warnings):
    legacy = sorted(k for k in properties if k.startswith('hive.s3.'))
    native = sorted(k for k in properties if k.startswith('s3.'))
    flags = [k for k in NATIVE_S3_FLAGS if k in properties]
    if len(flags) > 1:
        raise CatalogError('set only one of fs.native-s3.enabled and fs.s3.enabled (the second is the newer name '
                           'of the first)')
    if not (legacy or native or flags):
        if version is not None and version >= LEGACY_FS_OPT_IN_SINCE and not any(
                k.startswith('fs.') and k.endswith('.enabled') and _is_true(properties[k]) for k in properties):
            warnings.append('the %s catalog enables no file system support (fs.native-s3.enabled, fs.hadoop.enabled, '
                            '...); from Trino %d each such catalog must choose one' % (connector, LEGACY_FS_OPT_IN_SINCE))
        return
    if version is None:
        raise CatalogError('trino_version is required for a %s catalog with S3 settings: the S3 properties differ '
                           'between Trino versions' % connector)
    if legacy and (native or flags):
        raise CatalogError('the catalog mixes legacy S3 (%s) and native S3 (%s) properties; use one of them'
                           % (', '.join(legacy), ', '.join(native + flags)))
    if legacy:
        if version >= LEGACY_S3_REMOVED_IN:
            raise CatalogError('%s: legacy S3 properties were removed in Trino %d and Trino %d refuses them; use the s3 '
                               'option (rendered as native s3.* for this version) or the native properties'
                               % (', '.join(legacy), LEGACY_S3_REMOVED_IN, version))
        if version >= LEGACY_FS_OPT_IN_SINCE and not _is_true(properties.get('fs.hadoop.enabled')):
            raise CatalogError('%s: from Trino %d legacy S3 properties are only read with fs.hadoop.enabled=true; '
                               'add it, or use native S3' % (', '.join(legacy), LEGACY_FS_OPT_IN_SINCE))
        if version >= LEGACY_S3_DEPRECATED_SINCE:
            warnings.append('legacy S3 (hive.s3.*) is deprecated since Trino %d and removed in %d; plan the move '
                            'to native S3 (s3_implementation=native)' % (LEGACY_S3_DEPRECATED_SINCE, LEGACY_S3_REMOVED_IN))
        return
    if 'fs.s3.enabled' in flags:
        if version <= LAST_RELEASE_WITHOUT_FS_S3_NAME:
            raise CatalogError('fs.s3.enabled is the newer name of fs.native-s3.enabled (renamed in 2026, after Trino %d); '
                               'Trino %d only knows fs.native-s3.enabled' % (LAST_RELEASE_WITHOUT_FS_S3_NAME, version))
        warnings.append('fs.s3.enabled: the first release that accepts this name is not confirmed (it is after %d); if '
                        'Trino %d reports the property as unused, use fs.native-s3.enabled'
                        % (LAST_RELEASE_WITHOUT_FS_S3_NAME, version))
    if version < NATIVE_S3_CONFIRMED_SINCE:
        raise CatalogError('%s: native S3 properties for Trino %d are not confirmed (release notes mention native S3 '
                           'from %d); use legacy hive.s3.* properties' % (', '.join(native + flags), version,
                                                                          NATIVE_S3_CONFIRMED_SINCE))
    if native and not (flags and _is_true(properties[flags[0]])):
        raise CatalogError('%s are only read with fs.native-s3.enabled=true (Trino fails on unused properties); '
                           'add it' % ', '.join(native))


def _check_jdbc(connector, properties):
    prefix = 'jdbc:%s://' % connector
    url = properties.get('connection-url')
    if not url:
        raise CatalogError('a %s catalog needs connection-url, e.g. %shost:3306' % (connector, prefix))
    if not url.startswith(prefix):
        raise CatalogError('connection-url %r of a %s catalog must start with %s' % (url, connector, prefix))
    if re.search(r'[?&;]password=', url, re.IGNORECASE):
        raise CatalogError('connection-url must not hold a password; give it as connection-password in '
                           'secret_properties')
    provider = properties.get('credential-provider.type', 'INLINE').upper()
    if provider != 'INLINE':
        return
    missing = [k for k in ('connection-user', 'connection-password') if not properties.get(k)]
    if missing:
        raise CatalogError('a %s catalog needs %s (connection-password in secret_properties, or as an '
                           '${ENV:NAME} reference)' % (connector, ' and '.join(missing)))


def _check_hive(properties):
    metastore = properties.get('hive.metastore', 'thrift').lower()
    if metastore != 'thrift':
        return
    uris = properties.get('hive.metastore.uri')
    if not uris:
        raise CatalogError('a hive catalog needs hive.metastore.uri, e.g. thrift://metastore.example.com:9083 '
                           '(or hive.metastore set to another metastore type)')
    for uri in uris.split(','):
        uri = uri.strip()
        if not re.match(r'^thrift://[^/:\s]+:\d+$', uri):
            raise CatalogError('hive.metastore.uri %r: each URI must be thrift://host:port' % uri)


def _check_memory(properties):
    size = properties.get('memory.max-data-per-node')
    if size is not None and not DATA_SIZE_RE.match(size):
        raise CatalogError('memory.max-data-per-node %r is not a data size such as 128MB' % size)


def _check_tpch(properties):
    splits = properties.get('tpch.splits-per-node')
    if splits is not None and not (splits.isdigit() and int(splits) > 0):
        raise CatalogError('tpch.splits-per-node %r must be a positive integer' % splits)
    naming = properties.get('tpch.column-naming')
    if naming is not None and naming not in ('SIMPLIFIED', 'STANDARD'):
        raise CatalogError('tpch.column-naming %r must be SIMPLIFIED or STANDARD' % naming)


def build_catalog(connector, properties=None, secret_properties=None, s3=None, trino_version=None,
                  s3_implementation='auto'):
    """Validates a catalog definition and returns its CatalogSpec; raises CatalogError.

    properties=None (not given) and properties={} (given, empty) differ: a connector this
    module does not know needs its properties given explicitly.
    """
    if not connector or not CONNECTOR_NAME_RE.match(connector):
        raise CatalogError('connector %r: a Trino connector name is lowercase letters, digits and underscores, '
                           'e.g. mysql, hive, delta_lake' % (connector,))
    version = parse_trino_version(trino_version)
    plain = _normalize(properties, 'properties')
    secret = _normalize(secret_properties, 'secret_properties')
    both = sorted(set(plain) & set(secret))
    if both:
        raise CatalogError('%s given in both properties and secret_properties' % ', '.join(both))
    exposed = sorted(k for k, v in plain.items() if is_secret_key(k) and not is_env_reference(v))
    if exposed:
        raise CatalogError('%s looks secret: give it in secret_properties (never logged), or as an ${ENV:NAME} '
                           'reference to the coordinator\'s environment' % ', '.join(exposed))
    merged = dict(plain)
    merged.update(secret)
    secret_keys = set(secret)
    warnings = []
    implementation = None
    if s3:
        if connector not in OBJECT_STORAGE_CONNECTORS:
            raise CatalogError('the s3 option applies to the %s connectors, not to %s'
                               % (', '.join(OBJECT_STORAGE_CONNECTORS), connector))
        if version is None:
            raise CatalogError('trino_version is required with the s3 option: the S3 properties differ between '
                               'Trino versions (hive.s3.* before %d, fs.native-s3.enabled + s3.* after)'
                               % LEGACY_FS_OPT_IN_SINCE)
        s3_props, s3_secret_keys, implementation = render_s3(s3, version, s3_implementation)
        if implementation == 'native' and 'fs.s3.enabled' in merged:
            del s3_props['fs.native-s3.enabled']    # the task chose the newer name of the flag
        clash = sorted(k for k in s3_props if k in merged)
        if clash:
            raise CatalogError('%s set both by the s3 option and in properties; set S3 one way only' % ', '.join(clash))
        merged.update(s3_props)
        secret_keys.update(s3_secret_keys)
    if connector in OBJECT_STORAGE_CONNECTORS:
        _check_object_storage(connector, merged, version, warnings)
    if connector in ('mysql', 'mariadb'):
        _check_jdbc(connector, merged)
    elif connector == 'hive':
        _check_hive(merged)
    elif connector == 'memory':
        _check_memory(merged)
    elif connector == 'tpch':
        _check_tpch(merged)
    elif properties is None and secret_properties is None and not s3:
        raise CatalogError('connector %r is not one this module checks (%s): give its properties explicitly '
                           '(properties: {} if it needs none)' % (connector, ', '.join(KNOWN_CONNECTORS)))
    return CatalogSpec(connector, merged, secret_keys, warnings, implementation)
