#!/usr/bin/env python3
"""report_check.py REPORT.json PYTHON_EXPR...: exits 1 unless every expression holds.

Each expression sees `r` (the report) and `ep` (endpoint name -> that endpoint's dict). The
shell tests (tests/e2e/lib.sh, deploy/test/lib.sh) check reports through this one reader.
"""
import json
import sys

r = json.load(open(sys.argv[1]))
ep = {e["endpoint"]: e for e in r["endpoints"]}
bad = [x for x in sys.argv[2:] if not eval(x)]
for x in bad:
    print("report check failed:", x, file=sys.stderr)
if bad:
    print(json.dumps(r, indent=1), file=sys.stderr)
    sys.exit(1)
