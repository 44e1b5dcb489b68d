"""Throw-away systemd containers for the bad-input tests, and the detector that proves a run
changed nothing in them.

Each pytest process (each pytest-xdist worker) starts one container per Debian release it
needs, the first time a case asks for it, and removes it when the session ends. The container
runs systemd as PID 1 with the flags of .config/molecule/config.yml (no --privileged), on the
Docker network `datamesh-badinput`: internal, so the container has an address and a default
route like a real host (cases rely on its default IPv4 fact) but reaches nothing outside. The
network is created when missing and left in place for the next run, like the images.

Proof of "nothing changed": `docker diff` lists every path of the container's writable layer
that differs from the image. A snapshot is that list plus the status-change time (ctime, which
any write, chmod, chown, link or unlink of an entry updates) of every path in it, so a path
that booting systemd already changed and the run changes again is caught too. Paths on tmpfs
are invisible to both: /run (Ansible's remote temporary directory, REMOTE_TMP), /dev/shm (the
plays set TMPDIR there: with pipelining, the module runner unpacks each module into TMPDIR),
/run/lock and the journal (/var/log/journal, which every logged line would otherwise touch).
/tmp stays on the image's file system, so a role writing there is seen.
"""
import os
import shutil
import subprocess
import time
import uuid

import pytest

IMAGES = {
    # Cases rely on the package sources of the release (e.g. Debian 12 has Java 17 only).
    '12': os.environ.get('ROLES_IMAGE', 'datamesh/systemd-debian:12'),
    '13': os.environ.get('MOLECULE_IMAGE_DEBIAN13', 'datamesh/systemd-debian:13'),
}
DEFAULT_RELEASE = '12'
# Where Ansible puts its per-task files on the target: tmpfs, so never in `docker diff`.
REMOTE_TMP = '/run/datamesh-ansible'
LABEL = 'datamesh.badinput.pid'
RUN_FLAGS = [
    '--cap-add', 'SYS_ADMIN',
    '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined',
    '--cgroupns', 'host', '-v', '/sys/fs/cgroup:/sys/fs/cgroup:rw',
    '--tmpfs', '/run', '--tmpfs', '/run/lock', '--tmpfs', '/var/log/journal',
]
NETWORK = 'datamesh-badinput'


def docker(*args, check=True, timeout=120, stdin=None):
    try:
        return subprocess.run(['docker', *args], capture_output=True, text=True, check=check,
                              timeout=timeout, input=stdin)
    except FileNotFoundError:
        pytest.fail('the bad-input tests need Docker: no `docker` client on PATH '
                    '(run `make setup` or tests/harness/docker.sh)', pytrace=False)
    except subprocess.CalledProcessError as exc:
        pytest.fail(f'docker {" ".join(args)} failed (exit {exc.returncode}): {exc.stderr.strip()}', pytrace=False)


class Target:
    """One running container and the snapshots of its file system."""

    def __init__(self, release):
        self.release = release
        self.image = IMAGES[release]
        worker = os.environ.get('PYTEST_XDIST_WORKER', 'main')
        self.name = f'datamesh-badinput-{worker}-{os.getpid()}-{release}-{uuid.uuid4().hex[:6]}'
        # Set when a run changed the container: the next case gets a fresh one.
        self.dirty = False

    def start(self):
        if docker('image', 'inspect', self.image, check=False).returncode != 0:
            pytest.fail(f'image {self.image} is missing: run `make setup` (tests/harness/docker.sh) '
                        f'to build it', pytrace=False)
        for attempt in (1, 2):
            ensure_network()
            proc = docker('run', '-d', '--name', self.name, '--hostname', 'target', '--network', NETWORK,
                          '--label', f'{LABEL}={os.getpid()}', *RUN_FLAGS, self.image, '/lib/systemd/systemd',
                          check=attempt == 2)
            if proc.returncode == 0:
                break
            docker('rm', '-f', self.name, check=False)
        state = ''
        for _attempt in range(120):
            proc = docker('exec', self.name, 'systemctl', 'is-system-running', '--wait', check=False, timeout=120)
            state = proc.stdout.strip()
            if state in ('running', 'degraded'):
                break
            time.sleep(0.5)
        else:
            pytest.fail(f'systemd in {self.name} did not come up (state {state!r})', pytrace=False)
        # Timers (apt-daily, tmpfiles-clean, ...) would write to the file system while cases run.
        docker('exec', self.name, 'systemctl', 'stop', '--', '*.timer')
        return self

    def remove(self):
        docker('rm', '-f', '-v', self.name, check=False)

    def snapshot(self):
        """{path: (kind, ctime)} of every path `docker diff` lists (kind A, C or D)."""
        entries = {}
        for line in docker('diff', self.name).stdout.splitlines():
            kind, path = line.split(' ', 1)
            entries[path] = kind
        present = [p for p, k in entries.items() if k != 'D']
        ctimes = {}
        if present:
            # xargs: any number of paths; a path that vanished meanwhile is simply not printed.
            proc = docker('exec', '-i', self.name, 'xargs', '-0', '-r', 'stat', '--printf', r'%.9Z|%n\0', '--',
                          check=False, stdin='\0'.join(present))
            for record in proc.stdout.split('\0'):
                if record:
                    stamp, path = record.split('|', 1)
                    ctimes[path] = stamp
        return {p: (k, ctimes.get(p)) for p, k in entries.items()}

    @staticmethod
    def changes(before, after):
        """What differs between two snapshots, one line per path, sorted."""
        lines = []
        for path in sorted(set(before) | set(after)):
            old, new = before.get(path), after.get(path)
            if old == new:
                continue
            if old is None:
                lines.append(f'{new[0]} {path}' + (' (added)' if new[0] == 'A' else ''))
            elif new is None:
                lines.append(f'D {path} (was {old[0]}, now as in the image again)')
            elif old[0] != new[0]:
                lines.append(f'{new[0]} {path} (was {old[0]})')
            else:
                lines.append(f'{new[0]} {path} (changed again: ctime {old[1]} -> {new[1]})')
        return lines

    def inventory(self, directory):
        """An inventory with this container as host `target`; localhost stays implicit, so
        delegate_to: localhost still means the controller."""
        path = directory / 'inventory.yml'
        path.write_text(
            'all:\n  hosts:\n    target:\n'
            '      ansible_connection: community.docker.docker\n'
            f'      ansible_host: {self.name}\n'
            '      ansible_python_interpreter: /usr/bin/python3\n'
            f'      ansible_remote_tmp: {REMOTE_TMP}\n'
            '      ansible_pipelining: true\n')
        return path


def ensure_network():
    if docker('network', 'inspect', NETWORK, check=False).returncode != 0:
        docker('network', 'create', '--internal', '--label', 'datamesh.badinput=1', NETWORK)


def _remove_orphans():
    """Containers of bad-input sessions whose pytest process is gone (killed runs)."""
    proc = docker('ps', '-a', '--filter', f'label={LABEL}', '--format', f'{{{{.Names}}}} {{{{.Label "{LABEL}"}}}}',
                  check=False)
    for line in proc.stdout.splitlines():
        name, pid = (line.split(' ', 1) + [''])[:2]
        if pid.isdigit() and not os.path.exists(f'/proc/{pid}'):
            docker('rm', '-f', '-v', name, check=False)


def docker_ready():
    if docker('info', check=False, timeout=60).returncode != 0:
        pytest.fail('the bad-input tests need a Docker engine and none answers: run `make setup` '
                    '(tests/harness/docker.sh starts one)', pytrace=False)


def pytest_configure(config):
    """Once per run, in the main process before any pytest-xdist worker starts: the network
    (so that workers never race to create it) and the leftovers of killed runs."""
    if hasattr(config, 'workerinput'):
        return
    # Without Docker only test_bad_input fails (in `targets`); the other tests here run.
    if shutil.which('docker') and subprocess.run(['docker', 'info'], capture_output=True, check=False).returncode == 0:
        ensure_network()
        _remove_orphans()


@pytest.fixture(scope='session')
def targets():
    """targets(release) -> the running Target of this worker for that Debian release (a new one
    when the last run changed it)."""
    docker_ready()
    running = {}

    def get(release=DEFAULT_RELEASE):
        release = str(release)
        if release not in IMAGES:
            pytest.fail(f'image: {release} is not a Debian release the tests have (choose one of {sorted(IMAGES)})',
                        pytrace=False)
        if release in running and running[release].dirty:
            running.pop(release).remove()
        if release not in running:
            running[release] = Target(release)
            running[release].start()
        return running[release]

    yield get
    for target in running.values():
        target.remove()
