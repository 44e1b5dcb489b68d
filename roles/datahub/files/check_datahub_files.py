# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Check a candidate DataHub file before it replaces the one in place (the `validate:` of the datahub role).

    python3 check_datahub_files.py compose FILE            compose.yml (after `docker-compose config --quiet`)
    python3 check_datahub_files.py env FILE                an env file of a service (NAME='value' lines)
    python3 check_datahub_files.py userprops FILE          the frontend's user.props
    python3 check_datahub_files.py nginx FILE PORT PORT    the TLS proxy's configuration (frontend, GMS ports)
    python3 check_datahub_files.py ingestion FILE          the definition of an ingestion source (JSON)
    python3 check_datahub_files.py helm FILE               values of a chart (YAML)
    python3 check_datahub_files.py k8s-secrets FILE        the Kubernetes Secrets of the charts (YAML documents)

docker-compose checks that compose.yml is a valid project; this checks what the role promises beyond that:
metadata service authentication on in GMS and the frontend, no published port but the proxy's, pinned images,
a memory limit on every service, GMS and the frontend after the system-update job, no secret in compose.yml.
Exit 0 = fine; otherwise the problems on stderr. Never prints a value of a secret.
"""
import json
import re
import sys

SERVICES = ('mysql', 'opensearch', 'kafka', 'datahub-system-update', 'datahub-gms', 'datahub-frontend',
            'datahub-actions', 'nginx')
# Names of environment variables whose value is a secret: they belong in env files only.
SECRET_NAME = re.compile(r'PASSWORD|SECRET|SIGNING_KEY|_SALT|ENCRYPTION_KEY|TOKEN', re.IGNORECASE)
NOT_SECRET_NAME = re.compile(r'^(DATAHUB_SYSTEM_CLIENT_ID|.*_TOPIC.*)$')
ENV_LINE = re.compile(r"^[A-Z][A-Z0-9_]*='[^'\n]*'$")
REFERENCE = re.compile(r'^\$\{[A-Za-z_][A-Za-z0-9_]*\}$')
SECRET_WORDS = ('password', 'passwd', 'secret', 'token', 'apikey', 'api_key', 'private_key', 'access_key')


def done(problems):
    for problem in problems:
        print(problem, file=sys.stderr)
    sys.exit(1 if problems else 0)


def load_yaml(path, many=False):
    import yaml  # pylint: disable=import-outside-toplevel  # python3-yaml, installed by the role
    with open(path, encoding='utf-8') as handle:
        return list(yaml.safe_load_all(handle)) if many else yaml.safe_load(handle)


def check_compose(path):
    try:
        data = load_yaml(path)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        return ['not valid YAML: %s' % type(exc).__name__]
    services = (data or {}).get('services') if isinstance(data, dict) else None
    if not isinstance(services, dict):
        return ['no services']
    problems = ['service %s is missing' % name for name in SERVICES if name not in services]
    for name, service in services.items():
        image = str(service.get('image', ''))
        name_tag = image.split('@', maxsplit=1)[0]
        tag = name_tag.rpartition(':')[2] if ':' in name_tag.rsplit('/', 1)[-1] else ''
        if not tag or tag in ('latest', 'head', 'debug'):
            problems.append('%s: the image %s has no pinned tag' % (name, image))
        if not service.get('mem_limit'):
            problems.append('%s has no mem_limit' % name)
        if service.get('ports') and name != 'nginx':
            problems.append('%s publishes ports: only the TLS proxy (nginx) may' % name)
        env = service.get('environment') or {}
        if isinstance(env, list):
            env = dict(item.split('=', 1) if '=' in item else (item, '') for item in env)
        for key, value in env.items():
            if SECRET_NAME.search(key) and not NOT_SECRET_NAME.match(key) and value not in (None, ''):
                problems.append('%s: %s is set in compose.yml; secrets go into the env files' % (name, key))
        for entry in service.get('env_file') or []:
            target = entry.get('path') if isinstance(entry, dict) else entry
            if not str(target).startswith('/'):
                problems.append('%s: env_file %s is not an absolute path' % (name, target))
    for name in ('datahub-gms', 'datahub-frontend'):
        env = (services.get(name) or {}).get('environment') or {}
        if str(env.get('METADATA_SERVICE_AUTH_ENABLED', '')).lower() != 'true':
            problems.append('%s: METADATA_SERVICE_AUTH_ENABLED must be true' % name)
        depends = (services.get(name) or {}).get('depends_on') or {}
        if (depends.get('datahub-system-update') or {}).get('condition') != 'service_completed_successfully':
            problems.append('%s must start after datahub-system-update completed successfully' % name)
    return problems


def check_env(path):
    with open(path, encoding='utf-8') as handle:
        lines = [line.rstrip('\n') for line in handle]
    values = [line for line in lines if line and not line.startswith('#')]
    problems = []
    if not values:
        problems.append('no variable')
    for number, line in enumerate(lines, 1):
        if line and not line.startswith('#') and not ENV_LINE.match(line):
            problems.append("line %d is not NAME='value' (one line, no ' in the value)" % number)
        elif line and not line.startswith('#') and line.endswith("=''"):
            problems.append('line %d has an empty value' % number)
    return problems


def check_userprops(path):
    with open(path, encoding='utf-8') as handle:
        entries = [line.strip() for line in handle if line.strip() and not line.lstrip().startswith(('#', '!'))]
    users = {}
    for entry in entries:
        user, _sep, password = entry.partition(':')
        users[user] = password
    problems = []
    if 'datahub' not in users:
        problems.append('the user datahub is missing (DataHub\'s root user)')
    elif len(users['datahub']) < 16 or users['datahub'].lower() == 'datahub':
        problems.append('the password of datahub is DataHub\'s default or shorter than 16 characters')
    return problems


def check_nginx(path, ports):
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    code = re.sub(r'#[^\n]*', '', text)
    problems = []
    if code.count('{') != code.count('}'):
        problems.append('unbalanced braces')
    for port in ports:
        if not re.search(r'\blisten\s+%s\s+ssl\b' % re.escape(port), code):
            problems.append('no TLS listener on port %s' % port)
    for directive in ('ssl_certificate ', 'ssl_certificate_key ', 'resolver '):
        if directive not in code:
            problems.append('%s is missing' % directive.strip())
    for upstream in ('http://datahub-frontend:9002', 'http://datahub-gms:8080'):
        if upstream not in code:
            problems.append('the upstream %s is missing' % upstream)
    if re.search(r'\blisten\s+\d+\s*(default_server)?\s*;', code):
        problems.append('a listener without TLS')
    return problems


def clear_secrets(value, path='', inherited=False):
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            lowered = str(key).lower()
            secret = inherited or (any(word in lowered for word in SECRET_WORDS)
                                   and not lowered.endswith(('_path', '_file', '_name', '_id', '_type')))
            found.extend(clear_secrets(item, '%s.%s' % (path, key) if path else str(key), secret))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(clear_secrets(item, '%s[%d]' % (path, index), inherited))
    elif inherited and value is not None and not isinstance(value, bool) and not REFERENCE.match(str(value)):
        found.append(path)
    return found


def check_ingestion(path):
    try:
        with open(path, encoding='utf-8') as handle:
            data = json.load(handle)
    except (ValueError, UnicodeDecodeError) as exc:
        return ['not valid JSON: %s' % type(exc).__name__]
    problems = []
    for key in ('name', 'type', 'config'):
        if not data.get(key):
            problems.append('%s is missing' % key)
    recipe = (data.get('config') or {}).get('recipe')
    source = recipe.get('source') if isinstance(recipe, dict) else None
    if not isinstance(source, dict) or source.get('type') != data.get('type'):
        problems.append('the recipe\'s source.type must equal the type')
    clear = clear_secrets(recipe)
    if clear:
        problems.append('secrets in clear text at %s' % ', '.join(clear))
    return problems


def check_helm(path):
    try:
        data = load_yaml(path)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        return ['not valid YAML: %s' % type(exc).__name__]
    return [] if isinstance(data, dict) and data else ['not a mapping of values']


def check_k8s_secrets(path):
    try:
        docs = [d for d in load_yaml(path, many=True) if d is not None]
    except Exception as exc:  # pylint: disable=broad-exception-caught
        return ['not valid YAML: %s' % type(exc).__name__]
    problems = []
    if not docs:
        problems.append('no Secret')
    for doc in docs:
        if not isinstance(doc, dict) or doc.get('kind') != 'Secret' or not (doc.get('metadata') or {}).get('name'):
            problems.append('a document is not a named Secret')
        elif not all(isinstance(v, str) and v for v in (doc.get('stringData') or {}).values()):
            problems.append('Secret %s has an empty value' % doc['metadata']['name'])
    return problems


def main(argv):
    if len(argv) < 3:
        done(['usage: check_datahub_files.py MODE FILE [ARGS]'])
    mode, path = argv[1], argv[2]
    checks = {'compose': lambda: check_compose(path), 'env': lambda: check_env(path),
              'userprops': lambda: check_userprops(path), 'nginx': lambda: check_nginx(path, argv[3:]),
              'ingestion': lambda: check_ingestion(path), 'helm': lambda: check_helm(path),
              'k8s-secrets': lambda: check_k8s_secrets(path)}
    if mode not in checks:
        done(['unknown mode %s' % mode])
    done(checks[mode]())


if __name__ == '__main__':
    main(sys.argv)
