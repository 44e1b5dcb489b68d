# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Filter ``maven_artifact``: a Maven coordinate as its parts, repository path and file name."""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError

# Extensions that tell, in a five-part coordinate, which part is the extension.
KNOWN_EXTENSIONS = ('jar', 'zip', 'tar.gz', 'tgz', 'tar.bz2', 'tar.xz', 'pom', 'war', 'ear', 'aar', 'nar', 'exe', 'rpm', 'deb')
_PART = re.compile(r'^[A-Za-z0-9_.+-]+$')


def _split(coordinate):
    if isinstance(coordinate, dict):
        unknown = sorted(set(coordinate) - {'group', 'artifact', 'version', 'classifier', 'extension'})
        if unknown:
            raise AnsibleFilterError('maven_artifact: unknown keys %s (known: group, artifact, version, classifier, extension)'
                                     % ', '.join(unknown))
        return (coordinate.get('group'), coordinate.get('artifact'), coordinate.get('version'),
                coordinate.get('classifier') or '', coordinate.get('extension') or 'jar')
    if not isinstance(coordinate, str):
        raise AnsibleFilterError('maven_artifact expects a string or a dict, got %s' % type(coordinate).__name__)
    parts = coordinate.strip().split(':')
    if len(parts) == 3:
        return parts[0], parts[1], parts[2], '', 'jar'
    if len(parts) == 4:
        return parts[0], parts[1], parts[2], '', parts[3]
    if len(parts) == 5:
        group, artifact, version, fourth, fifth = parts
        # Maven's own client form is group:artifact:version:extension:classifier
        # (mvn dependency:copy -Dartifact=...); group:artifact:version:classifier:extension is
        # accepted too when only the last part is a known extension.
        if fifth in KNOWN_EXTENSIONS and fourth not in KNOWN_EXTENSIONS:
            return group, artifact, version, fourth, fifth
        return group, artifact, version, fifth, fourth
    raise AnsibleFilterError(
        "maven_artifact: '%s' is not group:artifact:version[:extension[:classifier]]" % coordinate)


def maven_artifact(coordinate, repository='https://repo1.maven.org/maven2'):
    """Parse a Maven coordinate and return its parts, path in a repository, file name and URL.

    ``coordinate`` is ``group:artifact:version[:extension[:classifier]]`` (the form ``mvn
    dependency:copy -Dartifact=`` takes) or a dict with those keys.
    """
    group, artifact, version, classifier, extension = _split(coordinate)
    for name, value in (('group', group), ('artifact', artifact), ('version', version), ('extension', extension)):
        if not value or not isinstance(value, str) or not _PART.match(value) or '..' in value:
            raise AnsibleFilterError("maven_artifact: %s of '%s' is missing or malformed" % (name, coordinate))
    if classifier and (not _PART.match(classifier) or '..' in classifier):
        raise AnsibleFilterError("maven_artifact: classifier of '%s' is malformed" % coordinate)
    file_name = '%s-%s%s.%s' % (artifact, version, ('-' + classifier) if classifier else '', extension)
    path = '/'.join(group.split('.') + [artifact, version, file_name])
    return {
        'group': group,
        'artifact': artifact,
        'version': version,
        'classifier': classifier,
        'extension': extension,
        # What `mvn dependency:copy -Dartifact=` takes.
        'coordinate': ':'.join([group, artifact, version, extension] + ([classifier] if classifier else [])),
        'file': file_name,
        'path': path,
        'url': '%s/%s' % (str(repository).rstrip('/'), path),
    }


class FilterModule:
    """datamesh.platform filters."""

    def filters(self):
        return {'maven_artifact': maven_artifact}
