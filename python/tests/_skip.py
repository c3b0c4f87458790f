"""The one way a Python test says it cannot run here (tests/support/skip.rs).

Under CI (`CI` set, not `false`/`0`) a missing prerequisite fails the test;
elsewhere the test is skipped and the skip appended to `$WEIR_SKIP_LOG`, so
`scripts/test.sh` lists it in its summary.
"""

import os


def in_ci():
    return os.environ.get("CI", "") not in ("", "false", "0")


def skip_or_fail(case, reason):
    name = case.id()
    if in_ci():
        case.fail("%s: cannot run in CI: %s" % (name, reason))
    log = os.environ.get("WEIR_SKIP_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write("%s: %s\n" % (name, reason))
    case.skipTest(reason)
