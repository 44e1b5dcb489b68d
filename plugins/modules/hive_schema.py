#!/usr/bin/python
# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r'''
module: hive_schema
short_description: Initialise or upgrade the schema of a Hive Metastore database, safely
version_added: 0.1.0
description:
  - Brings the schema of a Hive standalone metastore's MySQL/MariaDB database to the version of
    the installed Hive metastore, with C(schematool), idempotently.
  - B(How it decides.) The module reads the C(VERSION) table itself, through PyMySQL, and acts only
    on a clear-cut answer. An empty database (no table at all) is initialised with
    C(schematool -initSchemaTo). A schema at the target version is left alone. An older schema is
    upgraded with C(schematool -upgradeSchema) only with O(allow_upgrade=true). A newer schema is
    never downgraded. Everything else fails without running anything.
  - Everything else means a database that cannot be reached or read, a non-empty database without a
    C(VERSION) table (a partial or foreign schema), a C(VERSION) table with no row (an
    initialisation that stopped half way, as the init scripts record the version as their last
    statement) or with several rows, and a version that is not a Hive version.
  - B(Why not schematool -info.) It exits non-zero for an empty database, for an unreachable one and
    for a schema older than the binaries alike, and each call starts a JVM. Treating any failure as
    "empty" would run C(-initSchema) over a populated metastore. C(-info) is run only after an
    initialisation or upgrade, to check that schematool itself now reports the target version.
  - The target is the schema version the distribution's scripts end at, the last line of
    C(<metastore_home>/scripts/metastore/upgrade/<db_type>/upgrade.order.<db_type>), which is
    what C(-upgradeSchema) upgrades to. Releases that reuse an older schema are handled like
    schematool does it. Hive 4.0.1 ships and reports schema C(4.0.0), so a C(4.0.0) schema
    counts as current.
  - C(bin/schematool) needs a Hadoop installation (C(HADOOP_HOME)) and Java (C(JAVA_HOME)) besides the
    metastore, and the JDBC driver jar in C(<metastore_home>/lib) or on C(METASTORE_AUX_JARS_PATH)
    (O(schematool_env)), which C(bin/base) adds to the classpath. The module checks the first
    two before it connects to anything.
  - With O(classpath), schematool runs directly on Java instead (no Hadoop installation, no scripts), with
    C(METASTORE_HOME) set to O(metastore_home), where it finds its SQL scripts.
author:
  - datamesh.platform maintainers (!UNKNOWN)
attributes:
  check_mode:
    description:
      - Can run in check mode. It reads the database (read-only) and returns what it would do,
        with the commands in RV(planned_commands), without running schematool.
    support: full
  diff_mode:
    description:
      - Returns the schema version before and after (in check mode, what it would be after).
    support: full
  idempotent:
    description:
      - A second run with the same arguments finds the target version and changes nothing.
    support: full
requirements:
  - PyMySQL on the host that runs the module (the metastore host)
  - A Hive standalone metastore distribution (3.1.x or 4.x) with Hadoop and Java on that host
options:
  metastore_home:
    description:
      - Directory of the unpacked Hive standalone metastore, the one holding C(bin/schematool),
        C(lib/) and C(scripts/metastore/upgrade/).
    type: path
    required: true
  hadoop_home:
    description:
      - Hadoop installation that C(bin/schematool) runs on (it calls C($HADOOP_HOME/bin/hadoop jar ...)).
      - Defaults to C(HADOOP_HOME) from O(schematool_env), then from the module's environment.
    type: path
  java_home:
    description:
      - Java installation for Hadoop. Defaults to C(JAVA_HOME) from O(schematool_env), then from the
        module's environment.
    type: path
  db_type:
    description:
      - schematool's C(-dbType). Only V(mysql) is supported by this module. MariaDB is driven as
        V(mysql), as schematool has no C(mariadb) type.
    type: str
    default: mysql
  jdbc_url:
    description:
      - JDBC URL of the metastore database, passed to schematool as C(-url). Host, port and database
        for the module's own connection are taken from it.
      - Only single-host C(jdbc:mysql://HOST[:PORT]/DATABASE[?options]) or C(jdbc:mariadb://...) URLs.
      - Give either this or O(db_host) and O(db_name).
    type: str
  db_host:
    description:
      - Host of the metastore database. The JDBC URL is then built from O(db_host), O(db_port) and
        O(db_name), with the C(jdbc:mariadb) scheme for the MariaDB driver and C(jdbc:mysql) otherwise.
    type: str
  db_port:
    description:
      - TCP port of the metastore database. With O(jdbc_url), the port comes from the URL (3306 when it
        has none).
      - The default is 3306.
    type: int
  db_name:
    description:
      - Name of the metastore database. It must exist; the module does not create it.
    type: str
  db_user:
    description:
      - Database user for the module's connection and for schematool (C(-userName)). It needs to create
        tables in the database.
    type: str
    required: true
  db_password:
    description:
      - Password of O(db_user), for the module's own connection. Never logged; masked as C(********) in the
        commands returned.
      - Without O(conf_dir), schematool gets it on its command line (C(-passWord)), visible in the process
        list of the host while schematool runs; with O(conf_dir), it reads it from C(metastore-site.xml).
    type: str
    required: true
  jdbc_driver:
    description:
      - JDBC driver class for schematool (C(-driver)). Its jar must be in C(<metastore_home>/lib) or on
        C(METASTORE_AUX_JARS_PATH) in O(schematool_env) (a jar, a directory of jars, or a C(:)-separated list),
        for example Debian's C(/usr/share/java/mariadb-java-client.jar).
      - V(com.mysql.cj.jdbc.Driver) is MySQL Connector/J 8+, which also talks to MariaDB;
        V(org.mariadb.jdbc.Driver) is MariaDB Connector/J.
    type: str
    default: com.mysql.cj.jdbc.Driver
  target_version:
    description:
      - Schema version to initialise to or upgrade to. By default it is the distribution's (see above).
      - An empty database can be initialised to any version the distribution has a
        C(hive-schema-<version>.<db_type>.sql) for. An upgrade can only go to the distribution's version,
        because that is where schematool upgrades to.
    type: str
  allow_upgrade:
    description:
      - Upgrade a schema older than the target with C(schematool -upgradeSchema).
      - With V(false), an older schema makes the task fail and lists the upgrade scripts that would
        run. Back up the database before you allow it.
    type: bool
    default: false
  schematool_env:
    description:
      - Extra environment variables for schematool, for example C(HADOOP_CLIENT_OPTS) or
        C(METASTORE_AUX_JARS_PATH). C(METASTORE_HOME), C(HADOOP_HOME) and C(JAVA_HOME) are set from the
        options above.
    type: dict
    default: {}
  connect_timeout:
    description:
      - Seconds to wait for the database connection.
    type: int
    default: 10
  conf_dir:
    description:
      - Directory holding the metastore's C(metastore-site.xml) with C(javax.jdo.option.ConnectionPassword).
      - When given, schematool is run B(without) C(-passWord) and reads the password from that file, which is
        first on its class path (direct launch) or its C(METASTORE_CONF_DIR) (C(bin/schematool)). The password
        then never appears on a command line. O(db_password) is still needed for the module's own connection.
    type: path
  classpath:
    description:
      - Run schematool directly with Java, without Hadoop's scripts or a Hadoop installation, as
        C(<java_home>/bin/java <java_options> -cp <conf_dir>:<classpath> <main_class>). Entries are jars or
        C(dir/*) wildcards, e.g. C(<metastore_home>/lib/*), the Hadoop jars and the JDBC driver jar.
      - Empty (the default) runs C(<metastore_home>/bin/schematool), which needs O(hadoop_home).
    type: list
    elements: str
    default: []
  java_options:
    description: JVM options for the direct launch (O(classpath)), e.g. C(-Xmx512m).
    type: list
    elements: str
    default: []
  main_class:
    description:
      - schematool's main class for the direct launch. By default it is looked up in the metastore jars of
        C(<metastore_home>/lib), C(org.apache.hadoop.hive.metastore.tools.schematool.MetastoreSchemaTool) (4.x) or
        C(org.apache.hadoop.hive.metastore.tools.MetastoreSchemaTool) (3.x).
    type: str
notes:
  - The module's connection is plain TCP. TLS options in O(jdbc_url) apply to schematool only.
  - schematool runs as the user the module runs as. Hive 3.1.x releases use schema C(3.1.0).
seealso:
  - name: Hive Schema Tool
    description: Upstream documentation of schematool.
    link: https://hive.apache.org/docs/latest/admin/hive-schema-tool/
'''

EXAMPLES = r'''
- name: Initialise the metastore schema when the database is empty, leave it alone otherwise
  datamesh.platform.hive_schema:
    metastore_home: /opt/datamesh/hive-metastore/current
    hadoop_home: /opt/datamesh/hadoop/current
    java_home: /usr/lib/jvm/java-17-openjdk-amd64
    db_host: db1.example.org
    db_port: 3307
    db_name: metastore
    db_user: hive
    db_password: "{{ vault_hive_db_password }}"

- name: Upgrade after installing newer Hive metastore binaries (back up the database first)
  datamesh.platform.hive_schema:
    metastore_home: /opt/datamesh/hive-metastore/current
    hadoop_home: /opt/datamesh/hadoop/current
    java_home: /usr/lib/jvm/java-17-openjdk-amd64
    jdbc_url: jdbc:mariadb://db1.example.org:3307/metastore
    jdbc_driver: org.mariadb.jdbc.Driver
    db_user: hive
    db_password: "{{ vault_hive_db_password }}"
    allow_upgrade: true
    schematool_env:
      HADOOP_CLIENT_OPTS: -Xmx1g
  register: hive_schema_result

- name: Run schematool directly on Java, the password read from metastore-site.xml (not on a command line)
  datamesh.platform.hive_schema:
    metastore_home: /opt/datamesh/hive-metastore/4.0.1
    java_home: /usr/lib/jvm/java-21-openjdk-amd64
    conf_dir: /etc/hive-metastore
    classpath:
      - /opt/datamesh/hive-metastore/4.0.1/lib/*
      - /opt/datamesh/hadoop-client-api/3.3.6/hadoop-client-api-3.3.6.jar
      - /opt/datamesh/hadoop-client-runtime/3.3.6/hadoop-client-runtime-3.3.6.jar
      - /usr/share/java/mariadb-java-client.jar
    java_options: [-Xmx512m]
    jdbc_url: jdbc:mariadb://127.0.0.1:3307/metastore
    jdbc_driver: org.mariadb.jdbc.Driver
    db_user: hive
    db_password: "{{ vault_hive_db_password }}"

- name: What would happen? (reads the database, runs nothing)
  datamesh.platform.hive_schema:
    metastore_home: /opt/datamesh/hive-metastore/current
    hadoop_home: /opt/datamesh/hadoop/current
    java_home: /usr/lib/jvm/java-17-openjdk-amd64
    db_host: db1.example.org
    db_port: 3307
    db_name: metastore
    db_user: hive
    db_password: "{{ vault_hive_db_password }}"
  check_mode: true
'''

RETURN = r'''
action:
  description: What was done (or, in check mode, would be done).
  type: str
  returned: always
  choices: [none, init, upgrade]
  sample: init
from_version:
  description: Schema version found in the database; V(null) when the database held no schema.
  type: str
  returned: always
  sample: 3.1.0
to_version:
  description: Target schema version (the distribution's unless O(target_version) was given).
  type: str
  returned: always
  sample: 4.0.0
distribution_version:
  description:
    - Schema version of the installed metastore, from its upgrade scripts; after a run of schematool,
      the C(Hive distribution version) that C(schematool -info) reported.
  type: str
  returned: always
  sample: 4.0.0
hive_release:
  description: Release in the name of the metastore jar in C(lib/), when found (4.0.1 uses schema 4.0.0).
  type: str
  returned: always
  sample: 4.0.1
scripts:
  description: SQL scripts schematool runs (or would run) from C(scripts/metastore/upgrade/<db_type>/).
  type: list
  elements: str
  returned: always
  sample: [upgrade-3.1.0-to-3.2.0.mysql.sql, upgrade-3.2.0-to-4.0.0-alpha-1.mysql.sql]
planned_commands:
  description: The schematool commands the plan needs, password masked; in check mode none of them ran.
  type: list
  elements: str
  returned: always
  sample: ["/opt/hive/bin/schematool -dbType mysql -initSchemaTo 4.0.0 -url jdbc:mysql://db1:3307/metastore
            -driver com.mysql.cj.jdbc.Driver -userName hive -passWord '********'"]
executed_commands:
  description:
    - The schematool commands that were run, in order, password masked. Empty in check mode and when
      nothing was to be done.
    - The last one is the C(-info) run that checks the result.
  type: list
  elements: str
  returned: always
  sample: ["/opt/hive/bin/schematool -dbType mysql -upgradeSchema -url jdbc:mysql://db1:3307/metastore
            -driver com.mysql.cj.jdbc.Driver -userName hive -passWord '********'",
           "/opt/hive/bin/schematool -dbType mysql -info -url jdbc:mysql://db1:3307/metastore
            -driver com.mysql.cj.jdbc.Driver -userName hive -passWord '********'"]
info:
  description: What C(schematool -info) reported after an initialisation or upgrade.
  type: dict
  returned: when schematool ran
  sample: {state: compatible, distribution_version: 4.0.0, schema_version: 4.0.0, rc: 0, error: null}
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.datamesh.platform.plugins.module_utils.hive import (
    DEFAULT_DRIVER,
    SCHEMATOOL_DB_TYPES,
    SUPPORTED_DB_TYPES,
    Distribution,
    HiveSchemaError,
    build_jdbc_url,
    equivalent,
    mask_command,
    parse_info,
    parse_jdbc_url,
    plan,
    read_schema_state,
    require_pymysql,
    schematool_args,
)


def check_db_type(db_type):
    if db_type in SUPPORTED_DB_TYPES:
        return
    if db_type.lower() == 'mariadb':
        raise HiveSchemaError("db_type 'mariadb' is not a schematool dbType: use db_type=mysql for MariaDB")
    if db_type in SCHEMATOOL_DB_TYPES:
        raise HiveSchemaError('db_type %r is a schematool dbType, but this module supports only: %s'
                              % (db_type, ', '.join(SUPPORTED_DB_TYPES)))
    raise HiveSchemaError('unknown db_type %r: schematool knows %s; this module supports %s'
                          % (db_type, ', '.join(SCHEMATOOL_DB_TYPES), ', '.join(SUPPORTED_DB_TYPES)))


def tool_home(params, option, env_name, binary):
    """A Hadoop or Java home from the option, schematool_env or the environment, with its binary checked."""
    home = params[option] or params['schematool_env'].get(env_name) or os.environ.get(env_name)
    if not home:
        raise HiveSchemaError('schematool needs %s: set %s (or %s in schematool_env or in the task environment)'
                              % (env_name, option, env_name))
    path = os.path.join(home, 'bin', binary)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise HiveSchemaError('%s %s has no executable bin/%s: %s is not a %s installation'
                              % (env_name, home, binary, home, 'Hadoop' if binary == 'hadoop' else 'Java'))
    return home


def connection(params):
    """(host, port, database, jdbc_url) from jdbc_url or db_host/db_port/db_name."""
    if params['jdbc_url']:
        host, port, database = parse_jdbc_url(params['jdbc_url'])
        return host, port, database, params['jdbc_url']
    port = params['db_port'] or 3306
    url = build_jdbc_url(params['db_host'], port, params['db_name'], params['jdbc_driver'])
    return params['db_host'], port, params['db_name'], url


class SchemaManager:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.executed = []
        self.result = dict(changed=False, action='none', from_version=None, to_version=None,
                           distribution_version=None, hive_release=None, scripts=[],
                           planned_commands=[], executed_commands=self.executed)

    def fail(self, msg, **details):
        result = dict(self.result)
        result.update(details)
        self.module.fail_json(msg=msg, **result)

    def run(self):
        p = self.params
        check_db_type(p['db_type'])
        distribution = Distribution(p['metastore_home'], p['db_type'])
        self.result.update(distribution_version=distribution.schema_version, hive_release=distribution.release)
        env = dict((k, str(v)) for k, v in p['schematool_env'].items())
        conf_dir = p['conf_dir']
        if conf_dir and not os.path.isfile(os.path.join(conf_dir, 'metastore-site.xml')):
            raise HiveSchemaError('conf_dir %s has no metastore-site.xml: schematool reads the database password '
                                  '(javax.jdo.option.ConnectionPassword) from it' % conf_dir)
        env['METASTORE_HOME'] = distribution.home
        if p['classpath']:
            # Direct launch: java -cp <conf_dir>:<classpath> <schematool class>, no Hadoop scripts.
            java_home = tool_home(p, 'java_home', 'JAVA_HOME', 'java')
            env['JAVA_HOME'] = java_home
            main_class = p['main_class'] or distribution.schematool_class()
            launcher = ([os.path.join(java_home, 'bin', 'java')] + list(p['java_options'])
                        + ['-cp', ':'.join(([conf_dir] if conf_dir else []) + list(p['classpath'])), main_class])
        else:
            env.update(HADOOP_HOME=tool_home(p, 'hadoop_home', 'HADOOP_HOME', 'hadoop'),
                       JAVA_HOME=tool_home(p, 'java_home', 'JAVA_HOME', 'java'))
            if conf_dir:
                env['METASTORE_CONF_DIR'] = conf_dir
            if not (os.path.isfile(distribution.schematool) and os.access(distribution.schematool, os.X_OK)):
                raise HiveSchemaError('%s is missing or not executable' % distribution.schematool)
            launcher = None
        # With conf_dir, schematool takes the password from metastore-site.xml: never on its command line.
        tool_password = None if conf_dir else p['db_password']
        host, port, database, url = connection(p)
        target = p['target_version'] or distribution.schema_version
        self.result['to_version'] = target

        state = read_schema_state(host, port, database, p['db_user'], p['db_password'],
                                  connect_timeout=p['connect_timeout'])
        self.result['from_version'] = state.version
        the_plan = plan(state.version, target, distribution, p['allow_upgrade'])
        self.result.update(action=the_plan.action, scripts=the_plan.scripts)

        def command(action, version=None):
            return schematool_args(distribution, action, p['db_type'], url, p['jdbc_driver'],
                                   p['db_user'], tool_password, version, launcher)

        commands = []
        if the_plan.action != 'none':
            commands = [command(the_plan.action, the_plan.to_version), command('info')]
        self.result['planned_commands'] = [self.masked(c) for c in commands]
        self.result['changed'] = the_plan.action != 'none'
        if self.module._diff:
            self.result['diff'] = dict(before=dict(schema_version=state.version),
                                       after=dict(schema_version=the_plan.to_version))
        if the_plan.action == 'none':
            self.result['msg'] = 'schema %s is current (target %s)' % (state.version, target)
            return self.result
        if self.module.check_mode:
            self.result['msg'] = 'would %s (check mode: nothing was run)' % self.describe(the_plan)
            return self.result

        rc, out, err = self.execute(commands[0], env)
        if rc != 0:
            self.fail('schematool %s failed (exit %d): %s.%s'
                      % (self.verb(the_plan), rc, self.error_text(out, err), self.after_failure(the_plan)),
                      rc=rc, stdout=out, stderr=err)
        rc, out, err = self.execute(commands[1], env)
        info = parse_info(rc, out, err)
        self.result['info'] = info
        if info['distribution_version']:
            self.result['distribution_version'] = info['distribution_version']
        reported = info['schema_version']
        if reported is None or equivalent(reported) != equivalent(the_plan.to_version):
            self.fail('schematool %s reported success, but schematool -info then reported schema %s (%s) instead '
                      'of %s' % (self.verb(the_plan), reported, info['error'] or info['state'], the_plan.to_version),
                      rc=rc, stdout=out, stderr=err)
        if info['state'] != 'compatible':
            self.module.warn('schema %s is in place, but schematool -info says it does not match the installed '
                             'binaries (%s): %s' % (reported, info['distribution_version'], info['error']))
        self.result['msg'] = '%s done' % self.describe(the_plan)
        return self.result

    def execute(self, args, env):
        self.executed.append(self.masked(args))
        return self.module.run_command(args, environ_update=env, check_rc=False)

    def masked(self, args):
        return mask_command(args, [self.params['db_password']])

    @staticmethod
    def verb(the_plan):
        return '-initSchemaTo %s' % the_plan.to_version if the_plan.action == 'init' else '-upgradeSchema'

    @staticmethod
    def describe(the_plan):
        if the_plan.action == 'init':
            return 'initialise the empty database to schema %s' % the_plan.to_version
        return 'upgrade schema %s to %s' % (the_plan.from_version, the_plan.to_version)

    def error_text(self, out, err):
        lines = [line.strip() for line in ('%s\n%s' % (out, err)).splitlines() if line.strip()]
        wanted = [line for line in lines if not line.startswith('SLF4J') and 'Use --verbose' not in line
                  and 'schemaTool failed' not in line]
        text = ' | '.join(wanted[-5:]) or 'no output'
        if 'Unable to find driver class' in text or 'ClassNotFoundException' in text:
            aux = self.params['schematool_env'].get('METASTORE_AUX_JARS_PATH')
            text += (' (put the jar of %s into %s/lib%s)'
                     % (self.params['jdbc_driver'], self.params['metastore_home'],
                        ', or fix METASTORE_AUX_JARS_PATH=%s' % aux if aux else ' or on METASTORE_AUX_JARS_PATH in schematool_env'))
        return text

    @staticmethod
    def after_failure(the_plan):
        if the_plan.action == 'init':
            return (' The database may now hold a partial schema; this module refuses to touch it until it is '
                    'emptied (drop and recreate it).')
        return ' The schema may be half upgraded; restore the backup taken before the upgrade.'


def main():
    module = AnsibleModule(
        argument_spec=dict(
            metastore_home=dict(type='path', required=True),
            hadoop_home=dict(type='path'),
            java_home=dict(type='path'),
            db_type=dict(type='str', default='mysql'),
            jdbc_url=dict(type='str'),
            db_host=dict(type='str'),
            db_port=dict(type='int'),
            db_name=dict(type='str'),
            db_user=dict(type='str', required=True),
            db_password=dict(type='str', required=True, no_log=True),
            jdbc_driver=dict(type='str', default=DEFAULT_DRIVER),
            target_version=dict(type='str'),
            allow_upgrade=dict(type='bool', default=False),
            schematool_env=dict(type='dict', default={}),
            connect_timeout=dict(type='int', default=10),
            conf_dir=dict(type='path'),
            classpath=dict(type='list', elements='str', default=[]),
            java_options=dict(type='list', elements='str', default=[]),
            main_class=dict(type='str'),
        ),
        mutually_exclusive=[('jdbc_url', 'db_host'), ('jdbc_url', 'db_port'), ('jdbc_url', 'db_name')],
        required_one_of=[('jdbc_url', 'db_host')],
        required_together=[('db_host', 'db_name')],
        supports_check_mode=True,
    )
    require_pymysql(module)
    manager = SchemaManager(module)
    try:
        result = manager.run()
    except HiveSchemaError as e:
        manager.fail(e.msg, **e.details)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
