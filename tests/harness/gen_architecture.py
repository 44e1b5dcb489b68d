"""Render docs/architecture.svg from docs/architecture.dot, or check that the diagram matches the code.

    python tests/harness/gen_architecture.py [--check] [--root DIR]

Without --check: renders docs/architecture.dot with Graphviz (dot -Tsvg; apt-get install graphviz) into
docs/architecture.svg, with an XML comment holding the sha256 of the .dot it was made from, then checks.

--check (and tests/unit/harness/test_architecture.py, neither needs Graphviz) reports, and exits 1 on:
- a group of site.yml (the host patterns of its plays, following import_playbook) that no cluster of
  the .dot names in its datamesh_group attribute and its label, or a datamesh_group that site.yml has not;
- a node whose datamesh_role is not a role that site.yml's plays run on its cluster's group, or a
  (group, role) pair of site.yml's plays that no node shows;
- a label (label, xlabel, headlabel, taillabel) whose ports, written ":<port>", differ from the values of
  the references in datamesh_var of the same statement (comma-separated, one per port, in order): a role
  default (a variable of roles/*/defaults/main.yml) or <file>:<path> into a YAML file of the collection
  (inventory/single-node/group_vars/mysql.yml:mysql_multi_instances[0].port); a number of two or more
  digits in a label that is not such a port; a reference that does not resolve to a port number;
- an edge to or from a node that no node statement declares;
- docs/architecture.svg missing, or made from another .dot (its comment's sha256 differs).

Only the subset of the DOT language the file needs is read, with a parser of its own (no Graphviz, no
pydot): graphs, subgraphs, node, edge and attribute statements, quoted strings, comments.
"""
from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
DOT = Path('docs', 'architecture.dot')
SVG = Path('docs', 'architecture.svg')
SITE = 'site.yml'
COLLECTION_PREFIX = 'datamesh.platform.'
HASH_COMMENT = '<!-- rendered by tests/harness/gen_architecture.py from docs/architecture.dot sha256={digest} -->'
HASH_RE = re.compile(r'<!-- rendered by tests/harness/gen_architecture\.py from docs/architecture\.dot sha256=([0-9a-f]{64}) -->')
HINT = 'run python tests/harness/gen_architecture.py (needs Graphviz: apt-get install graphviz) and commit docs/architecture.svg'
LABEL_ATTRS = ('label', 'xlabel', 'headlabel', 'taillabel')
IMPORT_PLAYBOOK = ('ansible.builtin.import_playbook', 'import_playbook')
ROLE_TASKS = ('ansible.builtin.import_role', 'ansible.builtin.include_role', 'import_role', 'include_role')
TASK_LISTS = ('pre_tasks', 'tasks', 'post_tasks', 'handlers', 'block', 'rescue', 'always')
PORT = re.compile(r':(\d+)\b')
_NUMBER = re.compile(r'(?<![\d:])\d{2,}')
_PATH_TOKEN = re.compile(r'\.?([A-Za-z_][\w-]*)|\[(\d+)\]')


class DotError(Exception):
    """The .dot cannot be read."""


# ----------------------------------------------------------------------------- reading DOT

_TOKEN = re.compile(r'''
    (?P<space>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/|^\#[^\n]*)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<edgeop>->|--)
  | (?P<punct>[{}\[\]=;,:+])
  | (?P<id>[A-Za-z_\x80-\uffff][\w\x80-\uffff]*|-?(?:\.\d+|\d+(?:\.\d*)?))
''', re.X | re.S | re.M)
KEYWORDS = ('strict', 'graph', 'digraph', 'node', 'edge', 'subgraph')


def tokenize(text):
    """[(kind, value, line)]: kind is 'id' (identifiers, numbers and quoted strings, unquoted) or the punctuation."""
    tokens, pos, line = [], 0, 1
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise DotError('line %d: cannot read %r' % (line, text[pos:pos + 20]))
        kind, value = match.lastgroup, match.group(0)
        if kind == 'string':
            value = re.sub(r'\\(["\\\n])', lambda m: '' if m.group(1) == '\n' else m.group(1), value[1:-1])
            if tokens and tokens[-1][0] == '+' and len(tokens) > 1 and tokens[-2][0] == 'string':
                tokens.pop()
                tokens[-1] = ('string', tokens[-1][1] + value, tokens[-1][2])
            else:
                tokens.append(('string', value, line))
        elif kind == 'id':
            tokens.append(('keyword' if value.lower() in KEYWORDS else 'id', value, line))
        elif kind in ('edgeop', 'punct'):
            tokens.append((value, value, line))
        line += value.count('\n') if kind != 'string' else match.group(0).count('\n')
        pos = match.end()
    return [('id', value, line) if kind == 'string' else (kind, value, line) for kind, value, line in tokens]


class Graph:
    """What the checks need from a DOT graph.

    nodes: {name: {'attrs': {...}, 'cluster': innermost cluster name or None, 'line': n}} (declared nodes)
    edges: [{'tail', 'head', 'attrs', 'line'}]
    clusters: {name: {'attrs': {...}, 'parent': name or None, 'line': n}}
    holders: [(description, attrs)]: every attribute list that may carry labels and annotations
    """

    def __init__(self):
        self.nodes, self.edges, self.clusters, self.holders = {}, [], {}, []


class _Parser:
    def __init__(self, tokens):
        self.tokens, self.pos, self.graph = tokens, 0, Graph()

    def peek(self, offset=0):
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else ('eof', '', self.tokens[-1][2] if self.tokens else 0)

    def take(self, kind=None):
        token = self.peek()
        if kind is not None and token[0] != kind:
            raise DotError('line %d: expected %s, found %r' % (token[2], kind, token[1] or 'the end'))
        self.pos += 1
        return token

    def keyword(self, *words):
        token = self.peek()
        return token[0] == 'keyword' and token[1].lower() in words

    def parse(self):
        if self.keyword('strict'):
            self.take()
        if not self.keyword('graph', 'digraph'):
            raise DotError('line %d: a graph starts with graph or digraph' % self.peek()[2])
        self.take()
        name = self.take()[1] if self.peek()[0] == 'id' else ''
        scope = {'attrs': {}, 'line': self.peek()[2]}
        self.graph.holders.append(('graph %s' % name, scope['attrs']))
        self.take('{')
        self.statements(None, scope)
        self.take('}')
        if self.peek()[0] != 'eof':
            raise DotError('line %d: text after the graph' % self.peek()[2])
        return self.graph

    def attr_list(self):
        attrs = {}
        while self.peek()[0] == '[':
            self.take('[')
            while self.peek()[0] != ']':
                key = self.take('id')[1]
                self.take('=')
                attrs[key] = self.take('id')[1]
                if self.peek()[0] in (',', ';'):
                    self.take()
            self.take(']')
        return attrs

    def statements(self, cluster, scope):
        while self.peek()[0] not in ('}', 'eof'):
            self.statement(cluster, scope)
            if self.peek()[0] == ';':
                self.take()

    def statement(self, cluster, scope):
        token = self.peek()
        if self.keyword('graph', 'node', 'edge'):
            self.take()
            attrs = self.attr_list()
            if token[1].lower() == 'graph':
                scope['attrs'].update(attrs)
            else:
                self.graph.holders.append(('%s defaults (line %d)' % (token[1].lower(), token[2]), attrs))
            return
        if token[0] == 'id' and self.peek(1)[0] == '=':
            key = self.take()[1]
            self.take('=')
            scope['attrs'][key] = self.take('id')[1]
            return
        ends = [self.endpoint(cluster)]
        while self.peek()[0] in ('->', '--'):
            self.take()
            ends.append(self.endpoint(cluster))
        attrs = self.attr_list()
        if len(ends) == 1:
            if ends[0] is not None:
                self.declare(ends[0], cluster, attrs, token[2])
            return
        self.graph.holders.append(('edge on line %d' % token[2], attrs))
        for tails, heads in zip(ends, ends[1:]):
            for tail in tails or ():
                for head in heads or ():
                    self.graph.edges.append({'tail': tail, 'head': head, 'attrs': attrs, 'line': token[2]})

    def endpoint(self, cluster):
        """A node id (a one-item list), or the nodes of a subgraph (None for a subgraph used as a statement)."""
        if self.keyword('subgraph') or self.peek()[0] == '{':
            return self.subgraph(cluster)
        name = self.take('id')[1]
        while self.peek()[0] == ':':      # node ports (n:port:compass) name no other node
            self.take(':')
            self.take('id')
        return [name]

    def declare(self, names, cluster, attrs, line):
        for name in names:
            node = self.graph.nodes.setdefault(name, {'attrs': {}, 'cluster': cluster, 'line': line})
            node['attrs'].update(attrs)
        self.graph.holders.append(('node %s (line %d)' % (', '.join(names), line), attrs))

    def subgraph(self, parent):
        line = self.peek()[2]
        name = ''
        if self.keyword('subgraph'):
            self.take()
            if self.peek()[0] == 'id':
                name = self.take()[1]
        scope = {'attrs': {}, 'line': line}
        is_cluster = name.startswith('cluster')
        if is_cluster:
            self.graph.clusters[name] = {'attrs': scope['attrs'], 'parent': parent, 'line': line}
        self.graph.holders.append(('subgraph %s (line %d)' % (name or '(anonymous)', line), scope['attrs']))
        before = set(self.graph.nodes)
        self.take('{')
        self.statements(name if is_cluster else parent, scope)
        self.take('}')
        return [n for n in self.graph.nodes if n not in before]


def parse_dot(text):
    """The Graph of a DOT text; raises DotError."""
    return _Parser(tokenize(text)).parse()


# ----------------------------------------------------------------------------- the collection

def _load_yaml(path):
    return yaml.safe_load(Path(path).read_text(encoding='utf-8'))


def _plays(playbook):
    """(play, playbook path) of a playbook and the playbooks it imports, in order."""
    for entry in _load_yaml(playbook) or []:
        imported = next((entry[k] for k in IMPORT_PLAYBOOK if k in entry), None)
        if imported:
            yield from _plays(Path(playbook).parent / imported)
        else:
            yield entry


def _pattern_groups(hosts):
    return [part.strip() for part in re.split(r'[:,]', str(hosts or '')) if part.strip()]


def site_groups(repo=REPO):
    """Groups named by the host patterns of site.yml's plays (as tests/roles/test_inventories.py finds them)."""
    return {group.lstrip('!&') for play in _plays(Path(repo) / SITE) for group in _pattern_groups(play.get('hosts'))}


def _role_name(name):
    name = str(name)
    return name[len(COLLECTION_PREFIX):] if name.startswith(COLLECTION_PREFIX) else name


def _task_roles(tasks):
    for task in tasks or []:
        if not isinstance(task, dict):
            continue
        for key in ROLE_TASKS:
            if isinstance(task.get(key), dict) and task[key].get('name'):
                yield _role_name(task[key]['name'])
        for key in TASK_LISTS:
            yield from _task_roles(task.get(key))


def placements(repo=REPO):
    """{group: {roles}} that site.yml's plays run (roles:, import_role and include_role in their tasks)."""
    found = {}
    for play in _plays(Path(repo) / SITE):
        roles = set()
        for item in play.get('roles') or []:
            roles.add(_role_name(item.get('role') or item.get('name')) if isinstance(item, dict) else _role_name(item))
        for key in TASK_LISTS:
            roles.update(_task_roles(play.get(key)))
        for group in _pattern_groups(play.get('hosts')):
            if not group.startswith('!'):
                found.setdefault(group.lstrip('&'), set()).update(roles)
    return found


def role_names(repo=REPO):
    return {p.name for p in (Path(repo) / 'roles').iterdir() if p.is_dir()}


def role_defaults(repo=REPO):
    """{variable: [(role, value)]} of every roles/*/defaults/main.yml."""
    found = {}
    for path in sorted(Path(repo).glob('roles/*/defaults/main.yml')):
        for name, value in (_load_yaml(path) or {}).items():
            found.setdefault(name, []).append((path.parts[-3], value))
    return found


def resolve(repo, reference, defaults):
    """(value, None) of a reference, or (None, why not)."""
    reference = reference.strip()
    if ':' in reference:
        rel, path = reference.split(':', 1)
        file = Path(repo) / rel
        if not file.is_file() or '..' in Path(rel).parts:
            return None, 'no file %s in the collection' % rel
        try:
            value = _load_yaml(file)
        except yaml.YAMLError as exc:
            return None, '%s is not YAML: %s' % (rel, ' '.join(str(exc).split()))
        pos = 0
        for match in _PATH_TOKEN.finditer(path):
            if match.start() != pos:
                break
            pos = match.end()
            key, index = match.group(1), match.group(2)
            try:
                value = value[int(index)] if index is not None else value[key]
            except (KeyError, IndexError, TypeError):
                return None, '%s has no %s' % (rel, path[:match.end()])
        if pos != len(path) or not path:
            return None, '%s is not a path such as a.b[0].c' % path
        return value, None
    owners = defaults.get(reference)
    if not owners:
        return None, 'no role default %s in roles/*/defaults/main.yml' % reference
    if len(owners) > 1:
        return None, '%s is a default of several roles (%s)' % (reference, ', '.join(owner for owner, _value in owners))
    return owners[0][1], None


# ----------------------------------------------------------------------------- checks

def svg_digest(svg_text):
    """The sha256 of the .dot an SVG was rendered from (from its comment), or None."""
    match = HASH_RE.search(svg_text)
    return match.group(1) if match else None


def dot_digest(dot_text):
    return hashlib.sha256(dot_text.encode('utf-8')).hexdigest()


def label_problems(where, attrs, repo, defaults):
    """Ports in the labels of one attribute list against its datamesh_var references."""
    problems = []
    labels = ' '.join(attrs[key] for key in LABEL_ATTRS if key in attrs)
    shown = [int(port) for port in PORT.findall(labels)]
    for number in _NUMBER.findall(PORT.sub(' ', labels)):
        problems.append('%s: the label shows %s, which is not a port written ":<port>" (ports need a datamesh_var '
                        'reference; other numbers are not allowed in labels)' % (where, number))
    references = [r.strip() for r in attrs.get('datamesh_var', '').split(',') if r.strip()]
    if not references and not shown:
        return problems
    if len(references) != len(shown):
        return problems + ['%s: the label shows the ports %s but datamesh_var gives %d reference(s) (%s): one per port, '
                           'in order' % (where, ', '.join(':%d' % p for p in shown) or 'none', len(references),
                                         ', '.join(references) or 'none')]
    for port, reference in zip(shown, references):
        value, why = resolve(repo, reference, defaults)
        if why:
            problems.append('%s: datamesh_var %s: %s' % (where, reference, why))
        elif isinstance(value, bool) or not isinstance(value, int):
            problems.append('%s: datamesh_var %s is %r, not a port number' % (where, reference, value))
        elif value != port:
            problems.append('%s: the label shows :%d but %s is %d' % (where, port, reference, value))
    return problems


def graph_problems(graph, repo=REPO):
    """Everything the diagram says that the collection does not (see the module's documentation)."""
    repo = Path(repo)
    problems = []
    groups = site_groups(repo)
    cluster_groups = {}
    for name, cluster in graph.clusters.items():
        group = cluster['attrs'].get('datamesh_group')
        if group is None:
            continue
        if group not in groups:
            problems.append('cluster %s: datamesh_group=%s is not a group of site.yml (%s)' % (name, group, ', '.join(sorted(groups))))
        if not re.search(r'(?<![\w])%s(?![\w])' % re.escape(group), cluster['attrs'].get('label', '')):
            problems.append('cluster %s: its label does not name its group %s' % (name, group))
        cluster_groups.setdefault(group, []).append(name)
    for group in sorted(groups - set(cluster_groups)):
        problems.append('group %s of site.yml has no cluster (subgraph cluster_... with datamesh_group=%s)' % (group, group))
    for group, names in sorted(cluster_groups.items()):
        if len(names) > 1:
            problems.append('group %s is shown by several clusters: %s' % (group, ', '.join(names)))

    placed = placements(repo)
    roles = role_names(repo)
    shown = set()
    for name, node in sorted(graph.nodes.items()):
        role = node['attrs'].get('datamesh_role')
        if role is None:
            continue
        group = graph.clusters.get(node['cluster'], {}).get('attrs', {}).get('datamesh_group') if node['cluster'] else None
        if role not in roles:
            problems.append('node %s: datamesh_role=%s is not a role of roles/' % (name, role))
        elif group is None:
            problems.append('node %s: datamesh_role=%s, but the node is in no cluster with a datamesh_group' % (name, role))
        elif role not in placed.get(group, ()):
            problems.append('node %s: site.yml does not run role %s on group %s (it runs %s there)'
                            % (name, role, group, ', '.join(sorted(placed.get(group, ()))) or 'nothing'))
        else:
            shown.add((group, role))
    for group in sorted(placed):
        for role in sorted(placed[group] - {r for g, r in shown if g == group}):
            problems.append('site.yml runs role %s on group %s, but no node of that group has datamesh_role=%s' % (role, group, role))

    defaults = role_defaults(repo)
    for where, attrs in graph.holders:
        problems.extend(label_problems(where, attrs, repo, defaults))
    for edge in graph.edges:
        for end in (edge['tail'], edge['head']):
            if end not in graph.nodes:
                problems.append('edge on line %d: %s is not declared by a node statement' % (edge['line'], end))
    return problems


def check(repo=REPO):
    """Problems, one line each; empty when the diagram matches the collection and the SVG matches the .dot."""
    repo = Path(repo)
    dot_path, svg_path = repo / DOT, repo / SVG
    if not dot_path.is_file():
        return ['missing: %s' % DOT.as_posix()]
    text = dot_path.read_text(encoding='utf-8')
    try:
        graph = parse_dot(text)
    except DotError as exc:
        return ['%s: %s' % (DOT.as_posix(), exc)]
    problems = graph_problems(graph, repo)
    if not svg_path.is_file():
        problems.append('missing: %s' % SVG.as_posix())
    else:
        digest = svg_digest(svg_path.read_text(encoding='utf-8'))
        if digest is None:
            problems.append('%s has no comment with the sha256 of the .dot it was rendered from' % SVG.as_posix())
        elif digest != dot_digest(text):
            problems.append('stale: %s was rendered from another %s' % (SVG.as_posix(), DOT.as_posix()))
    return problems


# ----------------------------------------------------------------------------- rendering

def stamp(svg_text, dot_text):
    """The SVG with the comment holding the .dot's sha256 before its root element (replacing an older one)."""
    svg_text = HASH_RE.sub('', svg_text)
    comment = HASH_COMMENT.format(digest=dot_digest(dot_text))
    index = svg_text.find('<svg')
    if index < 0:
        raise ValueError('no <svg element in the output of dot')
    return svg_text[:index] + comment + '\n' + svg_text[index:]


def render(repo=REPO, dot_command='dot'):
    """Renders the SVG with Graphviz; returns the path written. Raises OSError without Graphviz."""
    repo = Path(repo)
    command = shutil.which(dot_command)
    if command is None:
        raise OSError('Graphviz is not installed (no %s command): apt-get install graphviz' % dot_command)
    dot_text = (repo / DOT).read_text(encoding='utf-8')
    proc = subprocess.run([command, '-Tsvg'], input=dot_text, capture_output=True, text=True, check=False, timeout=120)
    if proc.returncode != 0:
        raise OSError('dot failed (exit %d): %s' % (proc.returncode, proc.stderr.strip()))
    if proc.stderr.strip():
        print(proc.stderr.strip(), file=sys.stderr)
    (repo / SVG).write_text(stamp(proc.stdout, dot_text), encoding='utf-8')
    return repo / SVG


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--check', action='store_true', help='render nothing; exit 1 when the diagram or the SVG is out of date')
    parser.add_argument('--root', type=Path, default=REPO, help='the collection (default: this checkout)')
    args = parser.parse_args(argv)
    if not args.check:
        try:
            path = render(args.root)
        except (OSError, subprocess.SubprocessError, ValueError) as exc:
            print('ERROR: %s' % exc, file=sys.stderr)
            return 1
        print('wrote %s' % path.relative_to(args.root).as_posix())
    problems = check(args.root)
    if not problems:
        print('%s and %s: current' % (DOT.as_posix(), SVG.as_posix()))
        return 0
    print('%s does not match the collection:' % DOT.as_posix(), file=sys.stderr)
    for problem in problems:
        print('  ' + problem, file=sys.stderr)
    print('fix %s, then %s' % (DOT.as_posix(), HINT), file=sys.stderr)
    return 1


if __name__ == '__main__':
    sys.exit(main())
