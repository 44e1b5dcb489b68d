# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Preflight checks shared by every role: paths, secrets, ports, unknown names.

Each function returns a list of problems (empty: nothing to object to). A problem is one
sentence that names the variable, shows the value (never a secret's) and says what to change.
The roles' settings filters call these functions; ``plugins/filter/preflight.py`` exposes them
to the roles whose preflight is written in YAML.
"""

from __future__ import annotations

import difflib
import fnmatch
import posixpath

# Directories that belong to the operating system or hold other software's data. A role must never
# take one of them as its own directory (it would change its owner and mode, or prune inside it).
SYSTEM_DIRS = frozenset((
    '/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/libx32', '/lost+found',
    '/media', '/mnt', '/opt', '/proc', '/root', '/run', '/sbin', '/srv', '/sys', '/tmp', '/usr',
    '/usr/bin', '/usr/include', '/usr/lib', '/usr/lib64', '/usr/libexec', '/usr/local', '/usr/local/bin',
    '/usr/local/lib', '/usr/local/sbin', '/usr/local/share', '/usr/sbin', '/usr/share', '/usr/src', '/var',
    '/var/backups', '/var/cache', '/var/lib', '/var/local', '/var/lock', '/var/log', '/var/mail', '/var/opt',
    '/var/run', '/var/spool', '/var/tmp', '/var/www', '/etc/ssl', '/etc/ssl/certs', '/etc/ssl/private',
    '/etc/systemd', '/etc/systemd/system', '/etc/default', '/etc/apt', '/etc/nginx', '/etc/mysql',
    '/var/lib/mysql', '/var/lib/dpkg', '/var/lib/apt', '/var/lib/systemd', '/var/log/journal',
    '/opt/datamesh', '/etc/datamesh', '/var/lib/datamesh', '/var/log/datamesh',
))
# Nothing of a role's may live below these: kernel and device file systems, boot files.
FORBIDDEN_TREES = ('/proc', '/sys', '/dev', '/boot')

# Passwords, keys and tokens that are known to everybody: products' defaults and the usual guesses.
# Compared in lower case. The roles add their product's own defaults.
KNOWN_SECRETS = frozenset((
    'admin', 'administrator', 'admin123', 'adminadmin', 'password', 'password1', 'password123', 'passw0rd',
    'p@ssw0rd', 'secret', 'secret123', 'changeme', 'change-me', 'changeit', 'letmein', 'welcome', 'default',
    'root', 'toor', 'test', 'testing', 'guest', 'user', 'demo', 'example', 'qwerty', 'qwertyuiop',
    'abc123', '123456', '1234567', '12345678', '123456789', '1234567890', '0123456789abcdef',
    'minioadmin', 'minio123', 'minio', 'seaweedfs', 'weed', 'hive', 'hivepassword', 'metastore', 'trino',
    'presto', 'jupyter', 'jupyterhub', 'datamesh', 'mysql', 'mariadb', 'grafana', 'datahub', 'nginx', 'dbt',
    'kubernetes', 'kubeadm', 'fixture', 'fixture-secret', 'fixture-secret-key', 'my-secret-pw',
    'supersecret', 'mypassword', 'yourpassword', 'your-password', 'xxxxxxxx',
))
MIN_SECRET_LENGTH = 16

# Ports each role of the collection listens on, with the variables that set them and their defaults
# (the defaults are those of roles/<role>/defaults/main.yml; a unit test keeps them equal). The
# inventory group that runs a role is in ROLE_GROUPS (the playbooks' host patterns).
ROLE_PORTS = {
    'minio': (('minio_port', 9000), ('minio_console_port', 9001)),
    'seaweedfs': (('seaweedfs_master_port', 9333), ('seaweedfs_volume_port', 8380),
                  ('seaweedfs_filer_port', 8888), ('seaweedfs_s3_port', 8333)),
    'hive_metastore': (('hive_metastore_port', 9083),),
    'trino': (('trino_port', 2020),),
    'jupyterhub': (('jupyterhub_port', 443), ('jupyterhub_hub_port', 8081), ('jupyterhub_proxy_api_port', 8001)),
    'nginx_docs': (('nginx_docs_http_port', 80), ('nginx_docs_https_port', 443)),
    'kubeadm_node': (('kubeadm_node_bind_port', 6443),),
    'grafana': (('grafana_port', 3000),),
    'datahub': (('datahub_frontend_port', 9443), ('datahub_gms_port', 8943)),
}
# SeaweedFS serves gRPC on each HTTP port + 10000.
SEAWEEDFS_GRPC_OFFSET = 10000
ROLE_GROUPS = {
    'mysql_multi': ('mysql',),
    'minio': ('minio',),
    'seaweedfs': ('seaweedfs',),
    'hive_metastore': ('hive_metastore',),
    'trino': ('trino_coordinator', 'trino_worker'),
    'jupyterhub': ('jupyterhub',),
    'nginx_docs': ('docs_site',),
    'kubeadm_node': ('kube_control_plane',),
    'grafana': ('grafana',),
    'datahub': ('datahub',),
}


def _q(value):
    return repr(value) if not isinstance(value, str) or not value or value.strip() != value else value


def path_problems(paths, foreign=None, what='directory'):
    """Check the directories a role will create, own or prune.

    ``paths``: {variable name: path} of this role (or instance); each must be absolute, normalised,
    not a system directory, not under /proc, /sys, /dev or /boot, and none may be inside another
    (or equal). ``foreign``: {description: path} of other roles' or instances' directories, which the
    paths must neither equal, be inside, nor contain.
    """
    problems = []
    good = {}
    for name, path in paths.items():
        if not isinstance(path, str) or not path:
            problems.append('%s=%s must be an absolute path (a string starting with /)' % (name, _q(path)))
            continue
        if not path.startswith('/'):
            problems.append('%s=%s is a relative path: give an absolute one, such as /var/lib/<service>'
                            % (name, path))
            continue
        norm = posixpath.normpath(path)
        if norm.startswith('//'):
            norm = norm[1:]
        if norm != (path.rstrip('/') or '/') or '/../' in path + '/' or '/./' in path + '/':
            problems.append('%s=%s is not a normalised path (no "..", "." or "//"): write it as %s'
                            % (name, path, norm))
            continue
        if norm in SYSTEM_DIRS:
            problems.append('%s=%s is a system directory: give the %s a directory of its own below it, '
                            'such as %s/<service>' % (name, path, what, norm.rstrip('/')))
            continue
        tree = next((t for t in FORBIDDEN_TREES if norm.startswith(t + '/')), None)
        if tree:
            problems.append('%s=%s is inside %s, which belongs to the kernel or the boot loader: choose a '
                            'directory under /var/lib or /srv' % (name, path, tree))
            continue
        good[name] = norm
    names = list(good)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            relation = _relation(good[a], good[b])
            if relation:
                problems.append('%s=%s %s %s=%s: give each its own directory' % (a, good[a], relation, b, good[b]))
    for name, norm in good.items():
        for other, opath in (foreign or {}).items():
            if not isinstance(opath, str) or not opath.startswith('/'):
                continue
            relation = _relation(norm, posixpath.normpath(opath))
            if relation:
                problems.append('%s=%s %s %s (%s): give it a directory of its own'
                                % (name, norm, relation, other, posixpath.normpath(opath)))
    return problems


def parent_dirs(paths):
    """The ancestors of ``paths`` that are not system directories, shallowest first (``/etc/datamesh/dbt`` for
    ``/etc/datamesh/dbt/seed``: ``/etc/datamesh`` is one of SYSTEM_DIRS). Roles create them like ``mkdir -p``
    (which also creates missing system directories such as ``/etc/datamesh``) before their own directories, so
    that a role's mode and group never land on a directory other roles share."""
    found = set()
    for path in paths:
        if not isinstance(path, str) or not path.startswith('/'):
            continue
        parts = posixpath.normpath(path).split('/')[1:-1]
        for depth in range(1, len(parts) + 1):
            parent = '/' + '/'.join(parts[:depth])
            if parent not in SYSTEM_DIRS:
                found.add(parent)
    return sorted(found, key=lambda p: (p.count('/'), p))


def _relation(a, b):
    if a == b:
        return 'is the same directory as'
    if a.startswith(b.rstrip('/') + '/'):
        return 'is inside'
    if b.startswith(a.rstrip('/') + '/'):
        return 'contains'
    return ''


def secret_problems(name, value, user=None, known=(), min_length=MIN_SECRET_LENGTH, required=False):
    """Check a password, key or token given in the inventory. Never returns the value itself.

    Empty is fine unless ``required`` (the roles generate a secret then). Refused: shorter than
    ``min_length``, a well-known value (KNOWN_SECRETS plus ``known``, case-insensitive), the user
    name itself or containing it, one character repeated, or a value with surrounding whitespace.
    """
    if value is None or value == '':
        return ['%s is required' % name] if required else []
    if not isinstance(value, str):
        return ['%s must be a string (quote it in YAML), got a %s' % (name, type(value).__name__)]
    problems = []
    lowered = value.lower()
    if value.strip() != value:
        problems.append('%s starts or ends with whitespace, which is easily lost: remove it' % name)
    if lowered in KNOWN_SECRETS or lowered in {str(k).lower() for k in known}:
        problems.append('%s is a well-known default or guess: use a long random value, or leave it empty '
                        'to have one generated' % name)
    elif user and isinstance(user, str) and len(user) >= 3 and user.lower() in lowered:
        problems.append('%s contains the user name %s: use a long random value, or leave it empty to have '
                        'one generated' % (name, user))
    elif len(set(value)) <= 2:
        problems.append('%s is one or two characters repeated: use a long random value' % name)
    if len(value) < min_length:
        problems.append('%s is %d characters long; it needs at least %d (leave it empty to have one '
                        'generated)' % (name, len(value), min_length))
    return problems


def port_problems(claims):
    """Find ports claimed twice. ``claims``: list of {name, port[, role][, address]} (name is the
    variable). Ports must be integers from 1 to 65535; two claims of one port clash unless both
    bind different, specific addresses."""
    problems = []
    seen = {}
    for claim in claims:
        name, port = claim['name'], claim.get('port')
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            problems.append('%s=%s is not a TCP port (an integer from 1 to 65535)' % (name, _q(port)))
            continue
        for other in seen.get(port, ()):
            if _addresses_overlap(claim.get('address'), other.get('address')):
                problems.append('%s=%d clashes with %s=%d%s on this host: give one of them another port'
                                % (name, port, other['name'], port,
                                   ' (role %s)' % other['role'] if other.get('role') and
                                   other.get('role') != claim.get('role') else ''))
        seen.setdefault(port, []).append(claim)
    return problems


def _addresses_overlap(a, b):
    wildcard = ('', None, '0.0.0.0', '::', '*', '[::]')
    return a in wildcard or b in wildcard or a == b


def _role_claims(role, host_vars):
    if role == 'mysql_multi':
        claims = []
        for index, inst in enumerate(host_vars.get('mysql_multi_instances') or []):
            if isinstance(inst, dict) and inst.get('state', 'present') != 'absent' and 'port' in inst:
                claims.append({'name': 'mysql_multi_instances[%d].port (%s)' % (index, inst.get('name', '?')),
                               'port': inst['port'], 'role': role})
        return claims
    if role == 'jupyterhub' and host_vars.get('jupyterhub_mode', 'native') != 'native':
        return []  # in kubernetes mode the hub runs in the cluster, not on the host's ports
    claims = []
    for var, default in ROLE_PORTS.get(role, ()):
        port = host_vars.get(var, default)
        claims.append({'name': var, 'port': port, 'role': role})
        if role == 'seaweedfs' and isinstance(port, int) and not isinstance(port, bool):
            claims.append({'name': '%s + %d (gRPC)' % (var, SEAWEEDFS_GRPC_OFFSET),
                           'port': port + SEAWEEDFS_GRPC_OFFSET, 'role': role})
    return claims


def host_port_claims(role, own_claims, host_vars, group_names, role_groups=None):
    """The ports this role claims (``own_claims``, from its settings) plus those of the collection's
    other roles that this host runs, by inventory group (``role_groups`` overrides ROLE_GROUPS),
    with their variables from ``host_vars`` (the host's inventory variables) or their defaults."""
    groups = dict(ROLE_GROUPS, **(role_groups or {}))
    claims = [dict(c, role=c.get('role', role)) for c in own_claims]
    for other, other_groups in groups.items():
        if other == role or not set(other_groups) & set(group_names or ()):
            continue
        claims.extend(_role_claims(other, host_vars))
    return claims


def ports_in_use_problems(claims, listening, own_units, own_users=()):
    """Ports of ``claims`` that something else on the host already listens on.

    ``listening``: what module ``listening_ports`` returned (list of {port, address, pid, process,
    unit, uid, user}). ``own_units``: fnmatch patterns of this role's systemd units (e.g.
    ``mariadb@*.service``), whose listeners are expected on a re-run. ``own_users``: the role's
    service accounts; a listener whose process cannot be seen (no CAP_SYS_PTRACE, as in a
    container) but whose socket one of them owns is the role's own.
    """
    problems = []
    for claim in claims:
        for sock in listening or ():
            if sock.get('port') != claim.get('port'):
                continue
            unit = sock.get('unit') or ''
            if unit and any(fnmatch.fnmatchcase(unit, pattern) for pattern in own_units):
                continue
            if not sock.get('pid') and sock.get('user') and sock['user'] in own_users:
                continue
            owner = sock.get('process') or 'a process of user %s' % sock['user'] if sock.get('user') else (
                sock.get('process') or 'an unknown process')
            if sock.get('pid'):
                owner += ' (pid %s%s)' % (sock['pid'], ', unit %s' % unit if unit else '')
            problems.append('%s=%s: port %s is already in use on this host by %s: stop that service or '
                            'choose another port' % (claim['name'], claim['port'], claim['port'], owner))
            break
    return problems


def unknown_variables(role, given, known, prefix=None):
    """Variables named like the role's (``<role>_...``) that the role does not know: typos.

    ``given``: variable names in scope (e.g. ``q('ansible.builtin.varnames', '^trino_')``);
    ``known``: the role's variable names (argument specs and vars/main.yml).
    """
    prefix = prefix or role + '_'
    known = set(known)
    problems = []
    for name in sorted(set(given)):
        if not name.startswith(prefix) or name in known:
            continue
        # Compare what follows the prefix, which all the names share.
        suffixes = {k[len(prefix):]: k for k in known if k.startswith(prefix)}
        close = difflib.get_close_matches(name[len(prefix):], sorted(suffixes), n=1, cutoff=0.75)
        problems.append('%s is not a variable of role %s%s' % (
            name, role, ': did you mean %s?' % suffixes[close[0]] if close else ' (see its meta/argument_specs.yml)'))
    return problems


def unknown_keys(name, value, allowed):
    """Keys of the dict ``value`` (the variable ``name``) that are not in ``allowed``, with the
    closest allowed key."""
    if not isinstance(value, dict):
        return ['%s must be a dict, got %s' % (name, type(value).__name__)]
    problems = []
    for key in sorted(set(value) - set(allowed), key=str):
        close = difflib.get_close_matches(str(key), sorted(allowed), n=1, cutoff=0.6)
        problems.append('%s has an unknown key %s%s' % (
            name, key, ': did you mean %s?' % close[0] if close else ' (known: %s)' % ', '.join(sorted(allowed))))
    return problems
