"""tests/harness/gen_architecture.py: docs/architecture.dot matches site.yml's groups and plays and the roles' ports,
and docs/architecture.svg was rendered from it. Offline; Graphviz is only needed by the one rendering test."""
from __future__ import annotations

import importlib.util
import shutil
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
_SCRIPT = REPO / 'tests' / 'harness' / 'gen_architecture.py'
_SPEC = importlib.util.spec_from_file_location('gen_architecture', _SCRIPT)
gen = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(gen)


# ----------------------------------------------------------------------------- the committed diagram

def test_committed_diagram_matches_the_collection():
    problems = gen.check(REPO)
    assert not problems, '\n'.join(problems + ['fix docs/architecture.dot, then ' + gen.HINT])


def test_every_group_of_site_yml_is_a_cluster_of_the_diagram():
    graph = gen.parse_dot((REPO / gen.DOT).read_text(encoding='utf-8'))
    shown = {c['attrs'].get('datamesh_group') for c in graph.clusters.values()}
    groups = gen.site_groups(REPO)
    assert {'mysql', 'seaweedfs', 'minio', 'hive_metastore', 'trino_coordinator', 'trino_worker', 'dbt', 'docs_site'} <= groups
    assert groups <= shown, sorted(groups - shown)


def test_the_diagram_carries_the_ports_it_is_about():
    """The ports the issue names are in the diagram, each tied to the variable that sets it."""
    graph = gen.parse_dot((REPO / gen.DOT).read_text(encoding='utf-8'))
    tied = {}
    for _where, attrs in graph.holders:
        labels = ' '.join(attrs.get(key, '') for key in gen.LABEL_ATTRS)
        refs = [r.strip() for r in attrs.get('datamesh_var', '').split(',') if r.strip()]
        for port, ref in zip(gen.PORT.findall(labels), refs):
            tied.setdefault(int(port), set()).add(ref)
    assert tied[2020] == {'trino_port'}
    assert tied[9083] == {'hive_metastore_port'}
    assert tied[8333] == {'seaweedfs_s3_port'} and tied[9000] == {'minio_port'}
    assert tied[9443] == {'datahub_frontend_port'} and tied[8943] == {'datahub_gms_port'}
    assert {3307, 3308} <= set(tied)


def test_site_yml_places_the_roles_on_their_groups():
    placed = gen.placements(REPO)
    assert placed['trino_coordinator'] == placed['trino_worker'] == {'trino'}
    assert placed['dbt'] == {'dbt_project'} and placed['docs_site'] == {'nginx_docs'}
    assert placed['kube_control_plane'] == placed['kube_node'] == {'kubeadm_node'}


# ----------------------------------------------------------------------------- reading DOT

def test_parser_reads_clusters_nodes_edges_and_attributes():
    graph = gen.parse_dot(textwrap.dedent('''\
        /* a comment */
        strict digraph "g" {
          graph [label="top"]   // another
          node [shape=box];
        # a preprocessor line
          subgraph cluster_a {
            label = "group a"; datamesh_group=a
            subgraph cluster_b { label="inner"; x [label="X :1" + "2", datamesh_var="p"] }
            y
          }
          x -> y -> z:port:n [label="e \\"q\\""]
          { w v } -> x
          w [label=w]; v; z
        }'''))
    assert graph.clusters['cluster_a']['attrs'] == {'label': 'group a', 'datamesh_group': 'a'}
    assert graph.clusters['cluster_b']['parent'] == 'cluster_a'
    assert graph.nodes['x'] == {'attrs': {'label': 'X :12', 'datamesh_var': 'p'}, 'cluster': 'cluster_b', 'line': 8}
    assert graph.nodes['y']['cluster'] == 'cluster_a' and graph.nodes['z']['cluster'] is None
    assert [(e['tail'], e['head']) for e in graph.edges] == [('x', 'y'), ('y', 'z'), ('w', 'x'), ('v', 'x')]
    assert graph.edges[0]['attrs'] == {'label': 'e "q"'}
    assert ('graph g', {'label': 'top'}) in graph.holders


@pytest.mark.parametrize('text, message', [
    ('graph { a -> }', 'expected id'),
    ('digraph { a [label="x" }', "expected id, found '}'"),
    ('digraph { a } b', 'text after the graph'),
    ('node { }', 'a graph starts with graph or digraph'),
    ('digraph { a [label=@] }', 'cannot read'),
])
def test_parser_refuses_what_it_cannot_read(text, message):
    with pytest.raises(gen.DotError, match=message):
        gen.parse_dot(text)


# ----------------------------------------------------------------------------- checks against a collection of its own

SITE = '''\
- ansible.builtin.import_playbook: playbooks/site.yml
'''
PLAYBOOK = '''\
- hosts: db
  roles:
    - role: datamesh.platform.alpha
- hosts: web:api
  tasks:
    - block:
        - ansible.builtin.include_role:
            name: datamesh.platform.beta
'''
GOOD_DOT = '''\
digraph g {
  subgraph cluster_db { label="group db"; datamesh_group=db;
    alpha [label="alpha :1234", datamesh_role=alpha, datamesh_var=alpha_port] }
  subgraph cluster_web { label="group web"; datamesh_group=web;
    beta [label="beta :8080 (admin :9)", datamesh_role=beta, datamesh_var="beta_port,inventory/x/group_vars/db.yml:servers[1].admin.port"] }
  subgraph cluster_api { label="group api"; datamesh_group=api; beta2 [datamesh_role=beta] }
  beta -> alpha [label="SQL :1234", datamesh_var=alpha_port]
}
'''


@pytest.fixture(name='tree')
def fixture_tree(tmp_path):
    """A collection with groups db (role alpha), web and api (role beta), ports in defaults and an inventory."""
    files = {
        'site.yml': SITE,
        'playbooks/site.yml': PLAYBOOK,
        'roles/alpha/defaults/main.yml': 'alpha_port: 1234\nalpha_name: "1234"\n',
        'roles/beta/defaults/main.yml': 'beta_port: 8080\n',
        'roles/gamma/defaults/main.yml': 'beta_port: 8080\n',
        'inventory/x/group_vars/db.yml': 'servers:\n  - {admin: {port: 1}}\n  - {admin: {port: 9}}\n',
        'docs/architecture.dot': GOOD_DOT,
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding='utf-8')
    (tmp_path / 'roles' / 'gamma' / 'defaults' / 'main.yml').unlink()
    (tmp_path / 'docs' / 'architecture.svg').write_text(gen.stamp('<?xml?>\n<svg></svg>\n', GOOD_DOT), encoding='utf-8')
    return tmp_path


def problems_with(tree, old, new):
    dot = tree / 'docs' / 'architecture.dot'
    text = dot.read_text(encoding='utf-8')
    assert old in text, old
    dot.write_text(text.replace(old, new), encoding='utf-8')
    return gen.graph_problems(gen.parse_dot(dot.read_text(encoding='utf-8')), tree)


def test_a_matching_diagram_has_no_problems(tree, capsys):
    assert gen.site_groups(tree) == {'db', 'web', 'api'}
    assert not gen.check(tree)
    assert gen.main(['--check', '--root', str(tree)]) == 0
    assert 'current' in capsys.readouterr().out


@pytest.mark.parametrize('old, new, expected', [
    ('datamesh_group=api;', '', 'group api of site.yml has no cluster (subgraph cluster_... with datamesh_group=api)'),
    ('datamesh_group=api;', 'datamesh_group=apis;', 'cluster cluster_api: datamesh_group=apis is not a group of site.yml (api, db, web)'),
    ('label="group api"', 'label="services"', 'cluster cluster_api: its label does not name its group api'),
    ('beta2 [datamesh_role=beta]', 'beta2 [datamesh_role=alpha]', 'node beta2: site.yml does not run role alpha on group api (it runs beta there)'),
    ('beta2 [datamesh_role=beta]', 'beta2', 'site.yml runs role beta on group api, but no node of that group has datamesh_role=beta'),
    ('datamesh_role=alpha,', 'datamesh_role=delta,', 'node alpha: datamesh_role=delta is not a role of roles/'),
    ('"alpha :1234"', '"alpha :1235"', 'node alpha (line 3): the label shows :1235 but alpha_port is 1234'),
    ('"alpha :1234"', '"alpha :1234 v476"', 'node alpha (line 3): the label shows 476, which is not a port written ":<port>"'),
    ('"alpha :1234"', '"alpha"', 'node alpha (line 3): the label shows the ports none but datamesh_var gives 1 reference(s) (alpha_port)'),
    ('"SQL :1234", datamesh_var=alpha_port', '"SQL :1234"', 'edge on line 7: the label shows the ports :1234 but datamesh_var gives 0'),
    ('datamesh_var=alpha_port]', 'datamesh_var=alpha_name]', "datamesh_var alpha_name is '1234', not a port number"),
    ('datamesh_var=alpha_port]', 'datamesh_var=nope_port]', 'datamesh_var nope_port: no role default nope_port in roles/*/defaults/main.yml'),
    ('servers[1].admin.port', 'servers[0].admin.port', 'the label shows :9 but inventory/x/group_vars/db.yml:servers[0].admin.port is 1'),
    ('servers[1].admin.port', 'servers[2].admin.port', 'inventory/x/group_vars/db.yml has no servers[2]'),
    ('servers[1].admin.port', 'servers[1]..port', 'is not a path such as a.b[0].c'),
    ('inventory/x/group_vars/db.yml:', 'inventory/x/group_vars/web.yml:', 'no file inventory/x/group_vars/web.yml in the collection'),
    ('beta -> alpha', 'beta -> omega', 'edge on line 7: omega is not declared by a node statement'),
])
def test_what_the_check_finds(tree, old, new, expected):
    problems = problems_with(tree, old, new)
    assert [p for p in problems if expected in p], problems


def test_a_default_of_several_roles_is_ambiguous(tree):
    (tree / 'roles' / 'gamma' / 'defaults' / 'main.yml').write_text('beta_port: 8080\n', encoding='utf-8')
    problems = gen.check(tree)
    assert problems == ['node beta (line 5): datamesh_var beta_port: beta_port is a default of several roles (beta, gamma)']


def test_the_svg_must_come_from_this_dot(tree, capsys):
    svg = tree / 'docs' / 'architecture.svg'
    problems_with(tree, 'label="group db"', 'label="group db (databases)"')
    assert gen.check(tree) == ['stale: docs/architecture.svg was rendered from another docs/architecture.dot']
    assert gen.main(['--check', '--root', str(tree)]) == 1
    assert gen.HINT in capsys.readouterr().err
    svg.write_text('<svg></svg>\n', encoding='utf-8')
    assert gen.check(tree) == ['docs/architecture.svg has no comment with the sha256 of the .dot it was rendered from']
    svg.unlink()
    assert gen.check(tree) == ['missing: docs/architecture.svg']


def test_stamp_replaces_an_older_comment():
    first = gen.stamp('<?xml version="1.0"?>\n<!-- x -->\n<svg>a</svg>\n', 'one')
    again = gen.stamp(first, 'two')
    assert again.count('sha256=') == 1 and gen.svg_digest(again) == gen.dot_digest('two')
    assert again.index('<!-- rendered by') < again.index('<svg') and again.startswith('<?xml version="1.0"?>\n<!-- x -->\n')


@pytest.mark.skipif(shutil.which('dot') is None, reason='Graphviz (dot) is not installed')
def test_render_writes_a_stamped_svg(tree):
    path = gen.render(tree)
    text = path.read_text(encoding='utf-8')
    assert '<svg' in text and gen.svg_digest(text) == gen.dot_digest(GOOD_DOT)
    assert not gen.check(tree)
