from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.filter.package_sources import FilterModule, npm_registry, pip_extra_args


def test_nothing_set_means_pypi_and_npmjs():
    assert pip_extra_args('') == ''
    assert pip_extra_args(None, None) == ''
    assert npm_registry('') == ''
    assert npm_registry(None) == ''


def test_find_links_alone_means_the_mirror_only():
    assert pip_extra_args('https://m.example/pypi/index.html') == '--no-index --find-links https://m.example/pypi/index.html'


def test_a_plain_http_mirror_is_named_a_trusted_host_or_pip_ignores_it():
    assert pip_extra_args('http://10.0.0.1:8089/pypi/index.html') == (
        '--no-index --find-links http://10.0.0.1:8089/pypi/index.html --trusted-host 10.0.0.1:8089')
    assert pip_extra_args('http://m/pypi/', 'http://m/simple') == (
        '--index-url http://m/simple --find-links http://m/pypi/ --trusted-host m')


def test_find_links_may_be_a_path_on_the_hosts():
    assert pip_extra_args('/var/cache/datamesh-mirror/pypi') == '--no-index --find-links /var/cache/datamesh-mirror/pypi'
    assert pip_extra_args('file:///srv/pypi') == '--no-index --find-links file:///srv/pypi'


def test_an_index_url_is_a_pypi_proxy():
    assert pip_extra_args('', 'https://nexus.example/repository/pypi/simple') == '--index-url https://nexus.example/repository/pypi/simple'


def test_both_use_the_proxy_and_the_mirror():
    assert pip_extra_args(' https://m/pypi/ ', 'https://p/simple') == '--index-url https://p/simple --find-links https://m/pypi/'


def test_npm_registry_gets_its_trailing_slash():
    assert npm_registry('http://10.0.0.1:8089/npm') == 'http://10.0.0.1:8089/npm/'
    assert npm_registry('https://npm.example/') == 'https://npm.example/'


@pytest.mark.parametrize('value, variable', [
    ('https://user:secret@m.example/pypi/', 'datamesh_pip_find_links'),
    ('https://token@m.example/pypi/', 'datamesh_pip_find_links'),
])
def test_credentials_in_a_find_links_url_are_refused_without_showing_them(value, variable):
    with pytest.raises(AnsibleFilterError) as err:
        pip_extra_args(value)
    assert variable in str(err.value)
    assert 'secret' not in str(err.value) and 'token@' not in str(err.value)


def test_credentials_in_an_index_url_or_registry_are_refused():
    with pytest.raises(AnsibleFilterError, match='datamesh_pip_index_url must not carry credentials'):
        pip_extra_args('', 'https://u:p@nexus/simple')
    with pytest.raises(AnsibleFilterError, match='datamesh_npm_registry must not carry credentials'):
        npm_registry('https://u:p@npm.example/')


@pytest.mark.parametrize('call, message', [
    (lambda: pip_extra_args('ftp://m/pypi'), 'datamesh_pip_find_links must be an http'),
    (lambda: pip_extra_args('pypi/relative'), 'datamesh_pip_find_links must be an http'),
    (lambda: pip_extra_args('http://m/a b'), 'datamesh_pip_find_links must not contain white space'),
    (lambda: pip_extra_args('', '/srv/simple'), 'datamesh_pip_index_url must be an http'),
    (lambda: pip_extra_args(['http://m/']), 'datamesh_pip_find_links must be a string'),
    (lambda: npm_registry('file:///srv/npm'), 'datamesh_npm_registry must be an http'),
    (lambda: npm_registry('https:///npm'), 'datamesh_npm_registry must be an http'),
    (lambda: npm_registry(8089), 'datamesh_npm_registry must be a string'),
])
def test_bad_values_are_refused_naming_the_variable(call, message):
    with pytest.raises(AnsibleFilterError, match=message):
        call()


def test_the_filters_are_registered():
    assert set(FilterModule().filters()) == {'pip_extra_args', 'npm_registry'}
