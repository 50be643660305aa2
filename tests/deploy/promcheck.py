#!/usr/bin/env python3
"""Checks deploy/prometheus and dashboards/ against a real Prometheus scraping real processes.

  promcheck.py config DEPLOY_PROM_YML OUT_YML coordinator=HOST:PORT target=HOST:PORT
  promcheck.py wait URL EXPR SECONDS            until EXPR returns at least one sample
  promcheck.py dashboards URL [--within S] DASHBOARD.json...  every panel query and variable
                                                 returns data (by S seconds from now)
  promcheck.py rules URL RULES.yml               every series every rule reads exists
  promcheck.py alert URL NAME LABEL=VALUE... SECONDS   until the alert fires with those labels
  promcheck.py quiet URL NAME LABEL=VALUE...     the alert is not firing with those labels
  promcheck.py value URL EXPR                    prints the single sample's value

Exit status 1 with one line per problem; no fixed sleeps, every wait has a deadline.
"""
import json
import math
import re
import sys
import time
import urllib.parse
import urllib.request

import yaml

# Grafana's variables, as a dashboard would expand them against a 1 s scrape interval.
GRAFANA_VARS = {"$__rate_interval": "1m", "$__interval": "1s", "$__range": "5m"}


def api(url, path, **params):
    q = urllib.parse.urlencode(params)
    with urllib.request.urlopen(f"{url}/api/v1/{path}?{q}", timeout=10) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise RuntimeError(f"{path} {params}: {body}")
    return body["data"]


def query(url, expr):
    return api(url, "query", query=expr)["result"]


def metric_names(expr):
    """The metric names an expression reads: quoted strings removed, then every stampede_* or
    Prometheus's own `up` that is not a label name or function."""
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    bare = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", bare)
    return sorted(set(re.findall(r"\b(stampede_[a-z0-9_]+|up)\b(?!\s*\()", bare)))


def expand(expr, variables):
    for k, v in GRAFANA_VARS.items():
        expr = expr.replace(k, v)
    for name in variables:
        expr = expr.replace("${" + name + "}", ".*").replace("$" + name, ".*")
    if "$" in expr:
        raise ValueError(f"unexpanded variable in {expr!r}")
    return expr


def cmd_config(src, out, *maps):
    addr = dict(m.split("=", 1) for m in maps)
    cfg = yaml.safe_load(open(src))
    roles = {"stampede-coordinator": "coordinator", "stampede-target": "target"}
    for job in cfg["scrape_configs"]:
        role = roles.get(job["job_name"])
        if role is None:
            sys.exit(f"promcheck: job {job['job_name']!r} in {src} has no process in this test")
        for sc in job["static_configs"]:
            for t in sc["targets"]:
                if t.split(":")[0] != role:
                    sys.exit(f"promcheck: job {job['job_name']} scrapes {t}, expected {role}:PORT")
            sc["targets"] = [addr[role]]
    cfg["global"]["scrape_interval"] = "1s"
    cfg["global"]["evaluation_interval"] = "1s"
    yaml.safe_dump(cfg, open(out, "w"), sort_keys=False)


def cmd_wait(url, expr, seconds):
    deadline = time.monotonic() + float(seconds)
    last = None
    while time.monotonic() < deadline:
        try:
            if query(url, expr):
                return 0
        except Exception as e:  # Prometheus still starting
            last = e
        time.sleep(0.2)
    sys.exit(f"promcheck: no sample for {expr!r} after {seconds}s ({last or 'empty result'})")


def cmd_dashboards(url, *args):
    # --within S: a Prometheus that scrapes every few seconds needs two samples of a counter
    # before rate() answers, so problems are looked at again until S seconds have passed.
    within, files = (float(args[1]), args[2:]) if args[:1] == ("--within",) else (0, args)
    deadline = time.monotonic() + within
    while True:
        problems, checked = dashboard_problems(url, files)
        if not problems or time.monotonic() >= deadline:
            break
        time.sleep(1)
    for p in problems:
        print("FAIL:", p, file=sys.stderr)
    print(f"promcheck: {checked} panel queries over {len(files)} dashboards")
    return 1 if problems else 0


def dashboard_problems(url, files):
    names = set(api(url, "label/__name__/values"))
    problems, checked = [], 0
    for f in files:
        d = json.load(open(f))
        variables = [v["name"] for v in d.get("templating", {}).get("list", [])]
        for v in d.get("templating", {}).get("list", []):
            q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
            m = re.fullmatch(r"label_values\((\w+),\s*(\w+)\)", q)
            if not m:
                problems.append(f"{f}: variable {v['name']}: unsupported query {q!r}")
                continue
            values = api(url, f"label/{m[2]}/values", **{"match[]": m[1]})
            if not values:
                problems.append(f"{f}: variable {v['name']}: {q} has no values")
        for p in d["panels"]:
            for t in p.get("targets", []):
                checked += 1
                where = f"{f}: panel {p['title']!r} query {t['refId']}"
                if t.get("datasource", p.get("datasource")) != {"type": "prometheus", "uid": "stampede-prometheus"}:
                    problems.append(f"{where}: datasource is not the provisioned stampede-prometheus")
                for n in metric_names(t["expr"]):
                    if n not in names:
                        problems.append(f"{where}: names {n}, which nothing exports")
                try:
                    result = query(url, expand(t["expr"], variables))
                except Exception as e:
                    problems.append(f"{where}: {e}")
                    continue
                if not result:
                    problems.append(f"{where}: {t['expr']!r} returned no data")
                elif all(math.isnan(float(s["value"][1])) for s in result):
                    problems.append(f"{where}: {t['expr']!r} returned only NaN")
    return problems, checked


def cmd_rules(url, rules_file):
    names = set(api(url, "label/__name__/values"))
    problems = []
    for g in yaml.safe_load(open(rules_file))["groups"]:
        for r in g["rules"]:
            used = metric_names(r["expr"])
            if not used:
                problems.append(f"rule {r.get('alert')}: reads no metric")
            for n in used:
                if n not in names:
                    problems.append(f"rule {r.get('alert')}: reads {n}, which nothing exports")
                elif not query(url, n):
                    problems.append(f"rule {r.get('alert')}: {n} has no series now")
    for p in problems:
        print("FAIL:", p, file=sys.stderr)
    return 1 if problems else 0


def alerts(url, name, labels):
    want = dict(x.split("=", 1) for x in labels)
    return [a for a in api(url, "alerts")["alerts"]
            if a["labels"].get("alertname") == name and a["state"] == "firing"
            and all(a["labels"].get(k) == v for k, v in want.items())]


def cmd_alert(url, name, *rest):
    *labels, seconds = rest
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        if alerts(url, name, labels):
            return 0
        time.sleep(0.2)
    sys.exit(f"promcheck: alert {name} {labels} not firing after {seconds}s: "
             f"{json.dumps(api(url, 'alerts')['alerts'])}")


def cmd_quiet(url, name, *labels):
    if alerts(url, name, labels):
        sys.exit(f"promcheck: alert {name} {labels} is firing")
    return 0


def cmd_value(url, expr):
    result = query(url, expr)
    if len(result) != 1:
        sys.exit(f"promcheck: {expr!r} returned {len(result)} samples: {result}")
    v = float(result[0]["value"][1])
    print(int(v) if v.is_integer() else v)
    return 0


if __name__ == "__main__":
    commands = {"config": cmd_config, "wait": cmd_wait, "dashboards": cmd_dashboards,
                "rules": cmd_rules, "alert": cmd_alert, "quiet": cmd_quiet, "value": cmd_value}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    sys.exit(commands[sys.argv[1]](*sys.argv[2:]) or 0)
