"""What converge and side_effect left on Ceph RGW (not MinIO), read back without the module:
with plain boto3 (files/s3probe.py in the container), anonymous requests, and radosgw-admin."""

import json
from pathlib import Path

import pytest
import yaml

VARS = yaml.safe_load((Path(__file__).parent.parent / "vars" / "main.yml").read_text(encoding="utf-8"))
PROBE = "python3 /usr/local/lib/s3probe.py"
BUCKETS = ["raw-events", "audit-log", "public-share", "reports", "paused-versions", "keep-nonempty",
           "never-created", "scratch-versioned", "scratch-locked"]


@pytest.fixture(scope="module")
def buckets(host):
    return json.loads(host.check_output(PROBE + " dump " + " ".join(BUCKETS)))


def anonymous(host, method, bucket, key):
    return int(host.check_output(PROBE + " anon-%s %s %s", method, bucket, key))


def statements(policy):
    """{(resource, ...): set of actions} of an Allow-everyone policy, whatever its spelling."""
    result = {}
    for s in policy["Statement"]:
        assert s["Effect"] == "Allow"
        assert s["Principal"] in ("*", {"AWS": "*"}, {"AWS": ["*"]})
        resources = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
        actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
        result[tuple(sorted(resources))] = set(actions)
    return result


def test_rgw_runs_under_debians_units(host):
    for unit in ("ceph-mon@a", "ceph-osd@0", "ceph-radosgw@rgw.test"):
        assert host.service(unit).is_running, unit
    assert host.socket("tcp://127.0.0.1:%d" % VARS["rgw_port"]).is_listening


def test_buckets_exist_and_belong_to_the_admin(host):
    owned = json.loads(host.check_output("radosgw-admin bucket list --uid=admin"))
    assert sorted(owned) == ["audit-log", "keep-nonempty", "paused-versions", "public-share", "raw-events",
                             "reports"]


def test_raw_events_versioning_tags_and_readonly_policy(buckets):
    b = buckets["raw-events"]
    assert b["versioning"] == "Enabled"
    assert b["object_lock"] is None
    assert b["tags"] == {"domain": "sales", "owner": "data-team"}   # check mode changed nothing
    assert statements(b["policy"]) == {
        ("arn:aws:s3:::raw-events",): {"s3:GetBucketLocation", "s3:ListBucket"},
        ("arn:aws:s3:::raw-events/*",): {"s3:GetObject"},
    }


def test_raw_events_lifecycle_rules(buckets):
    rules = {r["ID"]: r for r in buckets["raw-events"]["lifecycle"]}
    assert sorted(rules) == ["all-after-a-year", "expire-tmp", "old-logs"]
    assert rules["expire-tmp"]["Filter"] == {"Prefix": "tmp/"}
    assert rules["expire-tmp"]["Expiration"] == {"Days": 7}
    assert rules["expire-tmp"]["Status"] == "Enabled"
    # RGW's spelling of an empty prefix, which the module must (and does) take as equal
    assert rules["all-after-a-year"].get("Prefix") == "" and "Filter" not in rules["all-after-a-year"]
    assert rules["all-after-a-year"]["Expiration"] == {"Days": 365}
    assert rules["old-logs"]["Status"] == "Disabled"


def test_audit_log_has_object_lock_and_versioning(buckets):
    b = buckets["audit-log"]
    assert b["object_lock"] == "Enabled"
    assert b["versioning"] == "Enabled"
    assert b["policy"] is None
    assert b["tags"] == {"retention": "worm", "reviewed": "yes"}   # purge_tags: false kept the first


def test_public_share_policy_lets_anyone_write(buckets):
    assert statements(buckets["public-share"]["policy"]) == {
        ("arn:aws:s3:::public-share",): {"s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"},
        ("arn:aws:s3:::public-share/*",): {"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject",
                                           "s3:ListMultipartUploadParts", "s3:PutObject"},
    }


def test_reports_has_the_custom_policy(buckets):
    assert buckets["reports"]["policy"] == VARS["reports_policy"]


def test_policies_are_enforced_by_the_server(host):
    """The meaning, not only the text: anonymous requests as RGW answers them."""
    host.check_output(PROBE + " put raw-events probe.txt hello")
    assert anonymous(host, "get", "raw-events", "probe.txt") == 200
    assert anonymous(host, "put", "raw-events", "anon.txt") == 403
    assert anonymous(host, "put", "public-share", "anon.txt") == 200
    assert anonymous(host, "get", "public-share", "anon.txt") == 200
    host.check_output(PROBE + " put reports public/q3.csv 1")
    host.check_output(PROBE + " put reports internal/q3.csv 1")
    assert anonymous(host, "get", "reports", "public/q3.csv") == 200
    assert anonymous(host, "get", "reports", "internal/q3.csv") == 403
    assert anonymous(host, "get", "audit-log", "anything") == 403


def test_paused_versions_is_suspended(buckets):
    assert buckets["paused-versions"]["versioning"] == "Suspended"


def test_refused_delete_kept_the_bucket_and_its_object(buckets):
    b = buckets["keep-nonempty"]
    assert b["exists"] is True
    assert [v[0] for v in b["versions"]] == ["data/a.csv"]


@pytest.mark.parametrize("name", ["never-created", "scratch-versioned", "scratch-locked"])
def test_buckets_that_must_not_exist(buckets, name):
    assert buckets[name] == {"exists": False}
