#!/usr/bin/python
# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r'''
module: trino_catalog
short_description: Manage a Trino catalog, as a catalog file or with CREATE/DROP CATALOG
version_added: 0.1.0
description:
  - Defines one Trino catalog (a connector with its properties) in one of two ways, chosen with
    O(management) after Trino's C(catalog.management) setting.
  - V(static) writes C(<catalog_dir>/<name>.properties) atomically (a private temporary file that gets the final
    mode, owner and group, then is renamed into place), and reports C(changed) only when the content or those
    attributes differ. Trino reads
    catalog files only when it starts, so restarting it is the caller's job (notify a handler when
    C(changed)).
  - V(dynamic) runs C(SHOW CATALOGS), C(CREATE CATALOG) and C(DROP CATALOG) through the C(trino) Python
    client against a coordinator that runs with C(catalog.management=dynamic). Trino has no
    C(ALTER CATALOG), so a catalog whose definition differs is dropped and created again. No restart.
  - Before anything is changed, the catalog is checked the way Trino would check it (see O(name),
    O(connector), O(properties), O(s3)), so a wrong catalog fails the task instead of Trino's start-up.
  - Values of secret-looking properties (names containing C(password), C(secret) or C(key)) are masked in
    everything returned, the diff and the statements included.
author:
  - datamesh.platform maintainers (!UNKNOWN)
extends_documentation_fragment:
  - datamesh.platform.trino
attributes:
  check_mode:
    description:
      - Can run in check mode and return the changed status it would have, without changing anything.
    support: full
    details:
      - V(static) writes, removes and chmods nothing; V(dynamic) runs only C(SHOW CATALOGS) and the lookup
        of the connector, never C(CREATE CATALOG) or C(DROP CATALOG).
      - V(dynamic) in check mode where the coordinator cannot be asked (the C(trino) client is not installed, or
        nothing answers at O(host) and O(port), as on a host where Trino is not installed or not started yet), the
        module warns and reports what it would do from the catalog files in O(catalog_dir) (the coordinator's
        C(catalog.store=file) directory; no file = the catalog does not exist yet) instead of failing.
  diff_mode:
    description:
      - Returns the catalog before and after as a catalog file when run with C(--diff).
    support: full
    details:
      - Secret values are masked on both sides; a secret that changes is shown as C(******** (changed)).
      - In V(dynamic) mode the properties of an existing catalog are only known when O(catalog_dir) is
        readable; otherwise the diff says so.
  idempotent:
    description:
      - Run twice in a row with the same arguments, the second run changes nothing and reports C(changed=false).
    support: partial
    details:
      - Full for V(static).
      - V(dynamic) reports C(changed=false) on the second run, except with O(force=true), which drops and creates
        the catalog on every run.
      - V(dynamic) compares the properties of an existing catalog only when it can read the coordinator's catalog
        file (O(catalog_dir)). Without it only a missing catalog or another connector is detected; changed
        properties are not, and the module warns.
requirements:
  - trino (Python client), for O(management=dynamic) only
options:
  name:
    description:
      - Name of the catalog, also the name of its file (C(<name>.properties)).
      - Lowercase letters, digits and underscores, starting with a letter, and neither C(system) nor a reserved
        SQL keyword. Trino lowercases catalog names and reserves C(system); names outside this form must be
        quoted in every query, and C(CREATE CATALOG) on older releases kept the quotes in the name.
    type: str
    required: true
  state:
    description:
      - V(present) creates the catalog, or replaces it when its definition differs.
      - V(absent) removes the file (V(static)) or drops the catalog (V(dynamic)).
    type: str
    choices: [present, absent]
    default: present
  management:
    description:
      - V(static) manages the catalog file; Trino reads it at its next start.
      - V(dynamic) manages the catalog through SQL on a running coordinator configured with
        C(catalog.management=dynamic) (experimental in Trino).
    type: str
    choices: [static, dynamic]
    default: static
  connector:
    description:
      - The connector (C(connector.name)), for example V(mysql), V(mariadb), V(hive), V(memory), V(tpch),
        V(iceberg).
      - Required with O(state=present) and with O(validate_only=true).
      - Checked per connector. V(mysql) and V(mariadb) need C(connection-url) starting with
        C(jdbc:mysql://) or C(jdbc:mariadb://) and without a password in it, C(connection-user) and
        C(connection-password) (unless C(credential-provider.type) is not C(INLINE)). V(hive) with the
        default Thrift metastore needs C(hive.metastore.uri) as C(thrift://host:port) (comma-separated for
        several). V(memory) checks C(memory.max-data-per-node) is a data size, V(tpch) checks
        C(tpch.splits-per-node) and C(tpch.column-naming).
      - Any other connector is accepted only with its properties given explicitly (O(properties), possibly
        V({})), which are then passed on unchecked, except S3 properties of the object-storage connectors
        V(iceberg), V(delta_lake) and V(hudi), which are checked against O(trino_version) like V(hive)'s.
    type: str
  properties:
    description:
      - Catalog properties other than C(connector.name), as name to value. Booleans become C(true) and
        C(false), numbers their decimal form.
      - A property whose name contains C(password), C(secret) or C(key) is refused here unless its value is
        only an C(${ENV:NAME}) reference; put it in O(secret_properties).
    type: dict
  secret_properties:
    description:
      - Catalog properties whose values are never logged nor returned, for example
        C(connection-password). Merged with O(properties); a name may not be in both.
      - With O(management=dynamic), prefer C(${ENV:NAME}) references to variables set on the coordinator,
        because Trino logs the whole C(CREATE CATALOG) statement and shows it in its Web UI.
    type: dict
  s3:
    description:
      - S3 (or MinIO) settings of a V(hive), V(iceberg), V(delta_lake) or V(hudi) catalog, rendered into the
        properties the given O(trino_version) reads (see O(s3_implementation)).
      - Native S3 gets C(fs.native-s3.enabled=true), C(s3.endpoint), C(s3.region),
        C(s3.path-style-access) and C(s3.aws-access-key)/C(s3.aws-secret-key).
      - Legacy S3 gets C(hive.s3.endpoint), C(hive.s3.path-style-access), C(hive.s3.region) (when given),
        C(hive.s3.ssl.enabled=false) for an C(http://) endpoint, C(hive.s3.aws-access-key)/C(hive.s3.aws-secret-key),
        and from Trino 458 on C(fs.hadoop.enabled=true).
    type: dict
    suboptions:
      endpoint:
        description:
          - URL of the S3 API with scheme and port, for example V(https://minio.example.com:9000).
        type: str
        required: true
      region:
        description:
          - Region. Native S3 requires one and gets V(us-east-1) when this is not set (MinIO accepts any
            region unless one is configured); legacy S3 gets none unless set.
        type: str
      path_style:
        description:
          - Path-style requests (C(endpoint/bucket)), which MinIO and most on-premises S3 servers need.
        type: bool
        default: true
      access_key:
        description:
          - Access key. Without O(s3.access_key) and O(s3.secret_key) Trino uses the default AWS credential chain.
          - Not treated as a secret in the task's arguments (it is an identifier, and Ansible would otherwise hide
            every occurrence of its value in all output), but masked like every C(*key*) property in what the
            module returns.
        type: str
      secret_key:
        description:
          - Secret key matching O(s3.access_key). Never logged.
        type: str
  trino_version:
    description:
      - Release number of the Trino that reads the catalog, for example V(406), V(458), V(481).
      - Required with O(s3), and with S3 properties in a catalog of an object-storage connector, because
        the S3 properties differ by version.
    type: int
  s3_implementation:
    description:
      - Which S3 support O(s3) is rendered for.
      - V(auto) picks legacy C(hive.s3.*) before Trino 458, where it is the default, and native S3 from 458,
        where legacy file systems are off unless C(fs.hadoop.enabled=true).
      - V(native) is refused before Trino 443 (the first release with native S3 is not confirmed; 443's
        release notes mention it).
      - V(legacy) is refused from Trino 481, which removed it; from 458 it adds C(fs.hadoop.enabled=true), and
        from 470 (deprecated) it warns.
    type: str
    choices: [auto, native, legacy]
    default: auto
  catalog_dir:
    description:
      - Directory of the catalog files, for example C(/etc/trino/catalog) or C(<install>/etc/catalog). It must exist.
      - Required with O(management=static), unless O(validate_only=true).
      - With O(management=dynamic) and C(catalog.store=file), the coordinator keeps a file per catalog
        there. Given (and with the module running on the coordinator), the existing catalog's properties are
        read from that file and compared, so the catalog is only re-created when they differ.
    type: path
  owner:
    description:
      - Owner of the catalog file (V(static)). Unchanged when not set; a new file belongs to the user running
        the module.
    type: str
  group:
    description:
      - Group of the catalog file (V(static)), for example the group Trino runs as, which needs to read it.
    type: str
  mode:
    description:
      - Permissions of the catalog file (V(static)). Catalog files hold passwords, so the default gives no
        access to others.
    type: raw
    default: '0640'
  force:
    description:
      - With O(management=dynamic), drop and create the catalog even when no difference was found. For
        applying changed properties when they cannot be compared (no O(catalog_dir)); not idempotent.
    type: bool
    default: false
  validate_only:
    description:
      - Only check the definition as O(state=present) would (O(name), O(connector), O(properties), O(s3) against
        O(trino_version)) and return the rendered properties, secret values masked. Nothing is read, written or
        contacted, so O(catalog_dir) and O(host) are not needed and the result is never C(changed).
      - For preflight checks of a role, before anything on the host changes.
    type: bool
    default: false
    version_added: 0.2.0
notes:
  - O(management=dynamic) has no live test here (no Trino server can run in this project's test
    environment); its unit tests run it against a hand-written double of the C(trino) DB-API that
    records every statement. O(management=static) is tested on a real file system.
  - Trino offers no way to read a catalog's properties back over SQL (C(system.metadata.catalogs) holds the
    name, C(connector_id) and, in newer releases, C(connector_name)), so V(dynamic) compares the connector
    from there when the column exists and the properties only through O(catalog_dir). A checksum kept by
    the module was not chosen because it goes stale when anyone else changes the catalog.
  - C(DROP CATALOG) followed by C(CREATE CATALOG) is not atomic; if C(CREATE CATALOG) fails, the catalog
    stays dropped and the task fails saying so. Trino documents that Hive, Iceberg, Delta Lake and Hudi
    catalogs may not release all resources when dropped.
  - Trino logs the complete C(CREATE CATALOG) statement, secrets included, and shows it in its Web UI;
    the module warns when it creates a catalog with literal secrets. Use C(${ENV:NAME}) references.
  - S3 by Trino version, from Trino's release notes. Before 458 legacy C(hive.s3.*) is the default. 458 turned
    legacy file systems off unless a catalog sets C(fs.hadoop.enabled=true) (or a native C(fs.native-*)
    flag); 470 deprecated legacy S3; 481 removed it. Not confirmed, and handled conservatively - the first
    release with native S3 (after 406; 443's notes are the earliest found to mention it, so V(native) is
    refused before 443), and the release that renamed C(fs.native-s3.enabled) to C(fs.s3.enabled). Trino's
    source keeps the old name as a deprecated alias, so the module writes C(fs.native-s3.enabled) for every
    version; set C(fs.s3.enabled=true) in O(properties) to use the new name instead (refused up to 480, whose
    release notes predate the rename; a warning from 481 on).
seealso:
  - name: Catalog management properties
    description: C(catalog.management), C(catalog.store) and the limitations of dynamic catalogs.
    link: https://trino.io/docs/current/admin/properties-catalog.html
  - name: CREATE CATALOG
    description: Syntax; every value is a single-quoted string.
    link: https://trino.io/docs/current/sql/create-catalog.html
  - name: S3 file system support
    description: Native S3 properties and the migration from legacy C(hive.s3.*).
    link: https://trino.io/docs/current/object-storage/file-system-s3.html
'''

EXAMPLES = r'''
- name: A MariaDB catalog file, readable by Trino only (restart Trino when it changes)
  datamesh.platform.trino_catalog:
    name: sales
    connector: mariadb
    catalog_dir: /etc/trino/catalog
    owner: root
    group: trino
    properties:
      connection-url: jdbc:mariadb://db1.example.com:3307
      connection-user: trino
    secret_properties:
      connection-password: "{{ vault_trino_sales_password }}"
  notify: Restart trino

- name: A Hive catalog on MinIO for Trino 406 (legacy hive.s3.* properties)
  datamesh.platform.trino_catalog:
    name: lake
    connector: hive
    trino_version: 406
    catalog_dir: /opt/trino/etc/catalog
    group: trino
    properties:
      hive.metastore.uri: thrift://metastore.example.com:9083
    s3:
      endpoint: https://minio.example.com:9000
      access_key: trino
      secret_key: "{{ vault_minio_trino_secret }}"
  notify: Restart trino

- name: The same catalog for Trino 481 (fs.native-s3.enabled and s3.* properties)
  datamesh.platform.trino_catalog:
    name: lake
    connector: hive
    trino_version: 481
    catalog_dir: /opt/trino/etc/catalog
    group: trino
    properties:
      hive.metastore.uri: thrift://metastore.example.com:9083
    s3:
      endpoint: https://minio.example.com:9000
      region: us-east-1
      access_key: trino
      secret_key: "{{ vault_minio_trino_secret }}"

- name: A catalog created on a running coordinator (catalog.management=dynamic), password from its environment
  datamesh.platform.trino_catalog:
    name: sales
    management: dynamic
    host: trino.example.com
    user: admin
    password: "{{ vault_trino_admin_password }}"
    ca_cert: /etc/ssl/certs/datamesh-ca.pem
    connector: mysql
    catalog_dir: /etc/trino/catalog   # the coordinator's catalog.store=file directory, to compare properties
    properties:
      connection-url: jdbc:mysql://db1.example.com:3306
      connection-user: trino
      connection-password: ${ENV:SALES_DB_PASSWORD}
  delegate_to: "{{ groups['trino_coordinator'][0] }}"

- name: Check a catalog definition in a preflight, without touching anything
  datamesh.platform.trino_catalog:
    name: lake
    connector: hive
    trino_version: 481
    validate_only: true
    properties:
      hive.metastore.uri: thrift://metastore.example.com:9083
      hive.s3.endpoint: https://minio.example.com:9000   # refused: Trino 481 removed legacy S3

- name: Drop a dynamic catalog
  datamesh.platform.trino_catalog:
    name: scratch
    management: dynamic
    state: absent
    host: trino.example.com
    password: "{{ vault_trino_admin_password }}"
'''

RETURN = r'''
connector:
  description: The connector of the catalog.
  returned: when O(state=present)
  type: str
  sample: mariadb
properties:
  description:
    - The catalog's properties (without C(connector.name)) as written or created, secret values masked.
  returned: when O(state=present)
  type: dict
  sample:
    connection-url: jdbc:mariadb://db1.example.com:3307
    connection-user: trino
    connection-password: '********'
path:
  description: The catalog file.
  returned: when O(management=static) and not O(validate_only)
  type: str
  sample: /etc/trino/catalog/sales.properties
executed_statements:
  description:
    - The C(CREATE CATALOG) and C(DROP CATALOG) statements run, in order, secret values masked.
    - In check mode, the statements that would have run.
  returned: when O(management=dynamic)
  type: list
  elements: str
  sample:
    - DROP CATALOG sales
    - CREATE CATALOG sales USING mysql WITH ("connection-password" = '********', "connection-url" = 'jdbc:mysql://db1:3306', "connection-user" = 'trino')
current_properties_source:
  description:
    - How the existing catalog's properties were known in V(dynamic) mode. V(catalog_file) when read from
      O(catalog_dir), V(unavailable) when they could not be read, V(none) when the catalog did not exist.
  returned: when O(management=dynamic)
  type: str
  sample: catalog_file
s3_implementation:
  description: The S3 support the O(s3) option was rendered for, V(native) or V(legacy).
  returned: when O(s3) is given
  type: str
  sample: native
'''

import errno
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.datamesh.platform.plugins.module_utils.trino import (
    SHOW_CATALOGS_SQL,
    CatalogError,
    OBJECT_STORAGE_CONNECTORS,
    build_catalog,
    catalog_name_problem,
    connector_name_sql,
    connection_problem,
    coordinator_url,
    create_catalog_sql,
    drop_catalog_sql,
    format_properties,
    mask_keys,
    mask_text,
    parse_properties,
    run_sql,
    split_connector,
    trino_argument_spec,
    trino_available,
    unreachable,
)
from ansible_collections.datamesh.platform.plugins.module_utils.trino import connect as trino_connect

HEADER = 'Trino catalog %s, managed by Ansible (datamesh.platform.trino_catalog); local changes are overwritten.'


def changed_secrets(before, after, hidden):
    """Hidden keys present on both sides with different values (shown as '******** (changed)')."""
    return set(k for k in hidden if k in before and k in after and before[k] != after[k])


def diff_texts(before, after, secret_keys):
    """Masked catalog-file texts of before and after.

    Each side is None (no catalog) or (connector, properties[, note]); a note becomes a comment line,
    for a catalog whose properties are not known."""
    texts = []
    b_props = before[1] if before else {}
    a_props = after[1] if after else {}
    for side, other in ((before, a_props), (after, b_props)):
        if side is None:
            texts.append('')
            continue
        connector, props = side[0], side[1]
        note = side[2] if len(side) > 2 else None
        hidden = mask_keys(props, secret_keys)
        changed = changed_secrets(other, props, hidden) if side is after else set()
        texts.append(format_properties(connector, props, hidden=hidden, changed=changed, header=note))
    return texts[0], texts[1]


def read_catalog_file(path):
    """(connector, properties) from a catalog file, or None when there is no file.

    Raises ValueError for a file that cannot be parsed, OSError when it cannot be read."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except (IOError, OSError) as e:
        if e.errno == errno.ENOENT:
            return None
        raise
    return split_connector(parse_properties(decode(data)))


def decode(data):
    """Catalog files are ASCII with \\u escapes when Java or this module writes them; accept UTF-8 too."""
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError:
        return data.decode('latin-1')


# ================================================================ static: the catalog file

class StaticCatalog:
    def __init__(self, module, name, spec):
        self.module = module
        self.name = name
        self.spec = spec
        self.path = os.path.join(module.params['catalog_dir'], name + '.properties')

    def fail(self, msg):
        self.module.fail_json(msg=msg, path=self.path)

    def _read(self):
        if os.path.lexists(self.path) and not os.path.isfile(self.path):
            self.fail('%s exists and is not a regular file' % self.path)
        try:
            with open(self.path, 'rb') as f:
                return f.read()
        except (IOError, OSError) as e:
            if e.errno == errno.ENOENT:
                return None
            self.fail('cannot read %s: %s' % (self.path, to_native(e)))

    def _before(self, data):
        if data is None:
            return None
        try:
            return split_connector(parse_properties(decode(data)))
        except ValueError as e:
            return (None, {}, 'the existing file cannot be parsed: %s' % e)

    def run(self):
        directory = self.module.params['catalog_dir']
        if not os.path.isdir(directory):
            self.fail('catalog_dir %s does not exist or is not a directory; create it first (Trino reads its '
                      'catalogs from there)' % directory)
        data = self._read()
        before = self._before(data)
        if self.module.params['state'] == 'absent':
            changed = data is not None
            if changed and not self.module.check_mode:
                try:
                    os.remove(self.path)
                except OSError as e:
                    self.fail('cannot remove %s: %s' % (self.path, to_native(e)))
            return changed, before, None
        spec = self.spec
        content = format_properties(spec.connector, spec.properties, header=HEADER % self.name).encode('ascii')
        changed = data != content
        if changed and not self.module.check_mode:
            self._write(content)
        if os.path.exists(self.path):
            changed = self._set_attributes(changed)
        return changed, before, (spec.connector, spec.properties)

    def _set_attributes(self, changed):
        p = self.module.params
        changed = self.module.set_mode_if_different(self.path, p['mode'], changed)
        if p['owner'] is not None:
            changed = self.module.set_owner_if_different(self.path, p['owner'], changed)
        if p['group'] is not None:
            changed = self.module.set_group_if_different(self.path, p['group'], changed)
        return changed

    def _write(self, content):
        """Writes content to a private temporary file beside the catalog file, gives it the final mode,
        owner and group, then renames it over the catalog file (atomic_move). The temporary name does not
        end in .properties, so Trino never takes it for a catalog."""
        p = self.module.params
        directory = os.path.dirname(self.path)
        try:
            fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(self.path), suffix='.tmp', dir=directory)
        except OSError as e:
            self.fail('cannot create a temporary file in %s: %s' % (directory, to_native(e)))
        try:
            with os.fdopen(fd, 'wb') as f:
                f.write(content)
                f.flush()
                os.fsync(f.fileno())
            self.module.set_mode_if_different(tmp, p['mode'], False)
            if p['owner'] is not None:
                self.module.set_owner_if_different(tmp, p['owner'], False)
            if p['group'] is not None:
                self.module.set_group_if_different(tmp, p['group'], False)
            # A file atomic_move creates gets 0666 & ~umask until the mode is applied again: keep it private.
            umask = os.umask(0o077)
            try:
                self.module.atomic_move(tmp, self.path, keep_dest_attrs=False)
            finally:
                os.umask(umask)
        except (IOError, OSError) as e:
            self.fail('cannot write %s: %s' % (self.path, to_native(e)))
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


# ================================================================ dynamic: CREATE/DROP CATALOG

class DynamicCatalog:
    def __init__(self, module, name, spec):
        self.module = module
        self.name = name
        self.spec = spec
        self.connection = None
        self.statements = []        # masked, what ran (or would run, in check mode)
        self.properties_source = 'none'

    def fail(self, msg, **kwargs):
        self.close()
        self.module.fail_json(msg=msg, executed_statements=self.statements,
                              current_properties_source=self.properties_source, **kwargs)

    def close(self):
        if self.connection is not None:
            close = getattr(self.connection, 'close', None)
            self.connection = None
            if close is not None:
                try:
                    close()
                except Exception:  # pylint: disable=broad-except
                    pass

    def _query(self, statement):
        try:
            return run_sql(self.connection, statement)
        except Exception as e:  # pylint: disable=broad-except
            self.fail('%s on %s failed: %s' % (statement, coordinator_url(self.module.params), to_native(e)))

    def _current_connector(self):
        """The connector from system.metadata.catalogs, or None where that column does not exist."""
        try:
            rows = run_sql(self.connection, connector_name_sql(self.name))
        except Exception:  # pylint: disable=broad-except
            return None
        return rows[0][0] if rows else None

    def _current_file(self):
        directory = self.module.params['catalog_dir']
        if not directory:
            return None
        path = os.path.join(directory, self.name + '.properties')
        try:
            return read_catalog_file(path)
        except (IOError, OSError, ValueError) as e:
            self.module.warn('cannot read the catalog file %s to compare properties: %s' % (path, to_native(e)))
            return None

    def run(self):
        p = self.module.params
        problem = connection_problem(p)
        if problem:
            self.fail(problem)
        if self.module.check_mode and not trino_available():
            return self._plan_offline('the trino Python client is not installed')
        try:
            self.connection = trino_connect(self.module, source='datamesh.platform.trino_catalog')
            catalogs = set(row[0] for row in run_sql(self.connection, SHOW_CATALOGS_SQL))
        except Exception as e:  # pylint: disable=broad-except
            if self.module.check_mode and unreachable(e):
                self.close()
                return self._plan_offline(to_native(e))
            self.fail('%s on %s failed: %s' % (SHOW_CATALOGS_SQL, coordinator_url(p), to_native(e)))
        exists = self.name in catalogs
        spec = self.spec
        plan = []
        before = None
        current_connector = None
        if exists:
            current_connector = self._current_connector()
            current = self._current_file()
            if current is not None:
                self.properties_source = 'catalog_file'
                before = current
                if current_connector is None:
                    current_connector = current[0]
            else:
                self.properties_source = 'unavailable'
                before = (current_connector, {}, 'catalog %s exists; its properties are unknown (Trino cannot show them)'
                          % self.name)
        if p['state'] == 'absent':
            if exists:
                plan.append(drop_catalog_sql(self.name))
            after = None
        else:
            after = (spec.connector, spec.properties)
            if not exists:
                plan.append('create')
            elif p['force']:
                plan.extend([drop_catalog_sql(self.name), 'create'])
            elif current_connector is not None and current_connector != spec.connector:
                plan.extend([drop_catalog_sql(self.name), 'create'])
            elif self.properties_source == 'catalog_file':
                if before[0] != spec.connector or before[1] != spec.properties:
                    plan.extend([drop_catalog_sql(self.name), 'create'])
            else:
                self.module.warn('catalog %s exists, but Trino cannot show its properties, so they were not compared '
                                 'and the catalog was left as it is. Give catalog_dir (the coordinator\'s catalog.store=file '
                                 'directory, with the module running on the coordinator) to compare them, or force=true '
                                 'to re-create the catalog' % self.name)
        self._execute(plan, current_connector)
        return bool(plan), before, after

    def _plan_offline(self, reason):
        """Check mode without a coordinator to ask: what would change, from the catalog file the coordinator
        keeps for each catalog (catalog.store=file) in catalog_dir."""
        p = self.module.params
        spec = self.spec
        directory = p['catalog_dir']
        self.module.warn('check mode: the coordinator at %s cannot be asked (%s), as on a host where Trino is not '
                         'installed or not started yet; what would change comes from %s'
                         % (coordinator_url(p), reason, 'the catalog files in %s' % directory if directory
                            else 'nothing (no catalog_dir): the catalog is taken as missing'))
        exists = bool(directory) and os.path.exists(os.path.join(directory, self.name + '.properties'))
        current = self._current_file() if exists else None
        self.properties_source = 'catalog_file' if current is not None else 'unavailable' if exists else 'none'
        before = current
        if exists and current is None:
            before = (None, {}, 'catalog %s exists; its properties are unknown (its file cannot be read)' % self.name)
        plan = []
        if p['state'] == 'absent':
            if exists:
                plan.append(drop_catalog_sql(self.name))
            after = None
        else:
            after = (spec.connector, spec.properties)
            if not exists:
                plan.append('create')
            elif current is not None and (p['force'] or current[0] != spec.connector or current[1] != spec.properties):
                plan.extend([drop_catalog_sql(self.name), 'create'])
        self._execute(plan, current[0] if current is not None else None)
        return bool(plan), before, after

    def _execute(self, plan, current_connector):
        spec = self.spec
        hidden = spec.hidden if spec else set()
        properties = spec.properties if spec else {}
        dropped = False
        for step in plan:
            if step == 'create':
                statement = create_catalog_sql(self.name, spec.connector, spec.properties)
                shown = create_catalog_sql(self.name, spec.connector, spec.properties, mask_keys=hidden)
                literal = spec.literal_secrets()
                if literal:
                    self.module.warn('Trino logs the CREATE CATALOG statement of %s, with the values of %s, and shows it in '
                                     'its Web UI; pass them as ${ENV:NAME} references to variables set on the coordinator '
                                     'instead' % (self.name, ', '.join(literal)))
            else:
                statement = shown = step
                connector = current_connector or (spec.connector if spec else None)
                if connector in OBJECT_STORAGE_CONNECTORS:
                    self.module.warn('Trino documents that %s catalogs may not release all resources when dropped; '
                                     'restart the coordinator if memory or connections pile up' % connector)
            self.statements.append(shown)
            if self.module.check_mode:
                continue
            try:
                run_sql(self.connection, statement)
            except Exception as e:  # pylint: disable=broad-except
                error = mask_text(to_native(e), properties, hidden)
                msg = '%s failed on %s: %s' % (shown, coordinator_url(self.module.params), error)
                if 'static catalog store' in error:     # StaticCatalogManager's NOT_SUPPORTED message
                    msg += ' (the coordinator needs catalog.management=dynamic in config.properties)'
                if dropped:
                    msg += '. Catalog %s was dropped and is NOT re-created' % self.name
                self.fail(msg)
            dropped = dropped or statement.startswith('DROP ')


# ================================================================ main

def main():
    argument_spec = trino_argument_spec()
    argument_spec.update(
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        management=dict(type='str', default='static', choices=['static', 'dynamic']),
        connector=dict(type='str'),
        properties=dict(type='dict'),
        secret_properties=dict(type='dict', no_log=True),
        s3=dict(type='dict', options=dict(
            endpoint=dict(type='str', required=True),
            region=dict(type='str'),
            path_style=dict(type='bool', default=True),
            # An access key ID is not a secret; no_log would make Ansible mask every occurrence of its value
            # (often "trino") in all output. It is masked in what this module returns all the same.
            access_key=dict(type='str', no_log=False),
            secret_key=dict(type='str', no_log=True),
        ), required_together=[['access_key', 'secret_key']]),
        trino_version=dict(type='int'),
        s3_implementation=dict(type='str', default='auto', choices=['auto', 'native', 'legacy']),
        catalog_dir=dict(type='path'),
        owner=dict(type='str'),
        group=dict(type='str'),
        mode=dict(type='raw', default='0640'),
        force=dict(type='bool', default=False),
        validate_only=dict(type='bool', default=False),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[
            ('state', 'present', ['connector']),
            ('validate_only', True, ['connector']),
        ],
    )
    p = module.params
    name = p['name']
    problem = catalog_name_problem(name)
    if problem:
        module.fail_json(msg=problem)
    # Checked here rather than with required_if: validate_only needs neither.
    if not p['validate_only']:
        for mode, option in (('static', 'catalog_dir'), ('dynamic', 'host')):
            if p['management'] == mode and not p[option]:
                module.fail_json(msg='management is %s but all of the following are missing: %s' % (mode, option))

    spec = None
    if p['state'] == 'present' or p['validate_only']:
        try:
            spec = build_catalog(p['connector'], properties=p['properties'], secret_properties=p['secret_properties'],
                                 s3=p['s3'], trino_version=p['trino_version'], s3_implementation=p['s3_implementation'])
        except CatalogError as e:
            module.fail_json(msg='catalog %s: %s' % (name, e))
        for warning in spec.warnings:
            module.warn(warning)
    if p['validate_only']:
        result = dict(changed=False, connector=spec.connector, properties=spec.masked_properties())
        if spec.s3_implementation:
            result['s3_implementation'] = spec.s3_implementation
        module.exit_json(**result)

    if p['management'] == 'static':
        manager = StaticCatalog(module, name, spec)
    else:
        manager = DynamicCatalog(module, name, spec)
    changed, before, after = manager.run()

    secret_keys = spec.secret_keys if spec else set()
    result = dict(changed=changed)
    if spec is not None:
        result['connector'] = spec.connector
        result['properties'] = spec.masked_properties()
        if spec.s3_implementation:
            result['s3_implementation'] = spec.s3_implementation
    if p['management'] == 'static':
        result['path'] = manager.path
    else:
        manager.close()
        result['executed_statements'] = manager.statements
        result['current_properties_source'] = manager.properties_source
    if module._diff:
        before_text, after_text = diff_texts(before, after, secret_keys)
        label = manager.path if p['management'] == 'static' else 'catalog %s' % name
        result['diff'] = dict(before=before_text, after=after_text, before_header=label, after_header=label)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
