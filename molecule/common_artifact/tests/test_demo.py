"""State that converge and side_effect leave on the host: demo 2.0 (rebuilt) installed through
datamesh.platform._common and running under a hardened unit, 1.0 and the first 2.0 kept next to it."""

import os
from pathlib import Path

import pytest
import yaml

ROOT = "/opt/datamesh/demo"
PORT = 8089  # vars/main.yml: demo_port
HARDENING = [
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    "ProtectHome=yes",
    "PrivateTmp=yes",
    "PrivateDevices=yes",
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectControlGroups=yes",
    "ProtectClock=yes",
    "RestrictSUIDSGID=yes",
    "LockPersonality=yes",
    "RestrictRealtime=yes",
    "RestrictNamespaces=yes",
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
    "CapabilityBoundingSet=",
]


@pytest.fixture(scope="module")
def sha256():
    """Checksums of the releases, as prepare.yml recorded them."""
    path = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "artifacts.yml"
    recorded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return dict(recorded["demo_sha256"], rebuild=recorded["demo_rebuild_sha256"])


def http_get(host, path):
    return host.check_output(
        "python3 -c 'import sys, urllib.request; "
        'print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode().strip())\' '
        f"http://127.0.0.1:{PORT}{path}"
    )


def test_system_user_without_login(host):
    user = host.user("demo")
    assert user.exists
    assert user.uid < 1000  # Debian's SYS_UID_MAX is 999
    assert user.group == "demo"
    assert user.shell == "/usr/sbin/nologin"
    assert user.home == "/nonexistent"
    assert not host.file("/nonexistent").exists


def test_unit_is_hardened(host):
    unit = host.file("/etc/systemd/system/demo.service")
    assert unit.user == "root" and unit.mode == 0o644
    lines = unit.content_string.splitlines()
    for line in HARDENING + ["User=demo", "Group=demo", f"ExecStart=/usr/bin/python3 {ROOT}/current/bin/demo --bind 127.0.0.1 --port {PORT}"]:
        assert line in lines


def test_service_enabled_running_confined(host):
    service = host.service("demo")
    assert service.is_enabled
    assert service.is_running
    pid = host.check_output("systemctl show --value -p MainPID demo")
    assert pid != "0"
    status = host.file(f"/proc/{pid}/status").content_string
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    uid = host.user("demo").uid
    assert fields["Uid"].split()[0] == str(uid)
    assert fields["NoNewPrivs"].strip() == "1"
    assert int(fields["CapBnd"], 16) == 0


def test_current_points_at_2_0_and_1_0_is_kept(host, sha256):
    # current -> <root>/2.0 -> 2.0-<sha256[:12]> (the rebuilt release); each version's
    # directory is named by its sha256, the version is a link to the complete one.
    current = host.file(f"{ROOT}/current")
    assert current.is_symlink
    assert host.check_output(f"readlink {ROOT}/current") == f"{ROOT}/2.0"
    assert host.check_output(f"readlink {ROOT}/2.0") == f"2.0-{sha256['rebuild'][:12]}"
    assert host.check_output(f"readlink {ROOT}/1.0") == f"1.0-{sha256['1.0'][:12]}"
    for version in ("1.0", "2.0"):
        assert host.file(f"{ROOT}/{version}/bin/demo").mode == 0o755
        assert host.file(f"{ROOT}/{version}/VERSION").content_string == f"{version}\n"
    assert host.file(f"{ROOT}/2.0/BUILD").content_string == "rebuild\n"


def test_marker_holds_the_sha256(host, sha256):
    for release, sha in (("1.0", sha256["1.0"]), ("2.0", sha256["rebuild"]),
                         (f"2.0-{sha256['2.0'][:12]}", sha256["2.0"])):
        marker = host.file(f"{ROOT}/{release}/.datamesh-artifact")
        assert marker.content_string == f"{sha}\n"


def test_files_owned_by_root(host):
    # The tarballs carry uid/gid 4242; the role must hand every file to root.
    assert host.file(f"{ROOT}/2.0/bin/demo").uid == 0
    foreign = host.check_output(f"find {ROOT} ! -user root -o ! -group root")
    assert foreign == ""


def test_service_answers_2_0(host):
    assert http_get(host, "/health") == "ok"
    assert http_get(host, "/version") == "2.0"


def test_host_cache_emptied_after_unpacking(host):
    assert host.file("/var/cache/datamesh").is_directory
    assert host.check_output("ls -A /var/cache/datamesh") == ""
