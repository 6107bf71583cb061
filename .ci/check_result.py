#!/usr/bin/env python3
"""Checks a lab's closing `RESULT key=value ...` line against targets.

usage: check_result.py LOG 'key>=min' ['key<=max' ...]

The RESULT line must be the log's last non-empty line. Exits 1, naming the key, the value found
and the target, when a target is missed or a key is absent.
"""
import re
import sys


def main() -> int:
    log, checks = sys.argv[1], sys.argv[2:]
    lines = [l for l in open(log, encoding="utf-8").read().splitlines() if l.strip()]
    if not lines or not lines[-1].startswith("RESULT "):
        print(f"check: {log}: expected a last line 'RESULT ...', found {lines[-1:]!r}")
        return 1
    fields = dict(kv.split("=", 1) for kv in lines[-1].split()[1:] if "=" in kv)
    failed = False
    for check in checks:
        m = re.fullmatch(r"(\w+)(>=|<=|==)(.+)", check)
        if not m:
            print(f"check: malformed target {check!r}")
            return 2
        key, op, want = m.groups()
        if key not in fields:
            print(f"check: {log}: RESULT has no {key}")
            failed = True
            continue
        got = fields[key]
        ok = {
            ">=": lambda: float(got) >= float(want),
            "<=": lambda: float(got) <= float(want),
            "==": lambda: got == want,
        }[op]()
        print(f"check: {fields.get('lab', '?')}: {key}={got} (target {op} {want}): {'ok' if ok else 'MISSED'}")
        failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
