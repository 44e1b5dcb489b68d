from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.filter.maven_artifact import FilterModule, maven_artifact

CENTRAL = 'https://repo1.maven.org/maven2'


def test_tarball_with_maven_client_order():
    a = maven_artifact('org.apache.hive:hive-standalone-metastore-server:4.0.1:tar.gz:bin')
    assert a['file'] == 'hive-standalone-metastore-server-4.0.1-bin.tar.gz'
    assert a['url'] == CENTRAL + '/org/apache/hive/hive-standalone-metastore-server/4.0.1/hive-standalone-metastore-server-4.0.1-bin.tar.gz'
    assert a['coordinate'] == 'org.apache.hive:hive-standalone-metastore-server:4.0.1:tar.gz:bin'
    assert (a['classifier'], a['extension']) == ('bin', 'tar.gz')


def test_classifier_before_extension_is_understood():
    a = maven_artifact('io.trino:trino-cli:476:executable:jar')
    assert a['file'] == 'trino-cli-476-executable.jar'
    assert a['coordinate'] == 'io.trino:trino-cli:476:jar:executable'


@pytest.mark.parametrize('coordinate, file_name', [
    ('org.apache.hadoop:hadoop-aws:3.3.6', 'hadoop-aws-3.3.6.jar'),
    ('io.trino:trino-server:476:tar.gz', 'trino-server-476.tar.gz'),
    ('io.trino:trino-hive:476:zip', 'trino-hive-476.zip'),
    ({'group': 'io.trino', 'artifact': 'trino-cli', 'version': '476', 'classifier': 'executable'}, 'trino-cli-476-executable.jar'),
])
def test_file_names(coordinate, file_name):
    assert maven_artifact(coordinate)['file'] == file_name


def test_repository_manager_base_url():
    a = maven_artifact('io.trino:trino-server:476:tar.gz', 'https://nexus.example.net/repository/maven-central/')
    assert a['url'] == 'https://nexus.example.net/repository/maven-central/io/trino/trino-server/476/trino-server-476.tar.gz'
    assert a['path'] == 'io/trino/trino-server/476/trino-server-476.tar.gz'


@pytest.mark.parametrize('coordinate, message', [
    ('io.trino:trino-server', 'is not group:artifact:version'),
    ('io.trino:trino-server:476:tar.gz:bin:x', 'is not group:artifact:version'),
    ('io.trino::476', 'artifact of'),
    ('io.trino:trino-server:../../etc:tar.gz', 'version of'),
    ('io.trino:trino server:476', 'artifact of'),
    ({'group': 'io.trino', 'artifact': 'x', 'version': '1', 'typo': 1}, 'unknown keys typo'),
    (42, 'expects a string or a dict, got int'),
])
def test_refuses_malformed(coordinate, message):
    with pytest.raises(AnsibleFilterError, match=message):
        maven_artifact(coordinate)


def test_registered_name():
    assert FilterModule().filters()['maven_artifact'] is maven_artifact
