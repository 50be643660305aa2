#!/usr/bin/env python3
"""Turns bench/run's raw figures into BENCHMARKS.md and a JSON file with the same numbers.

Input: samples.tsv (comparison, side, round, metric, value), commands.tsv (comparison, side,
command) and notes.tsv (comparison, side, text), as bench/run writes them. Each side's figure is
the median of its rounds; each ratio is a ratio of medians, Stampede's side over the peer's,
with each round's own ratio and their median beside it.
Comparisons that bench/run does not measure yet are listed as such, with no figures. With
--previous (bench/run --only), comparisons not run this time keep that file's figures, marked
with the run that measured them. Where the issues set a goal, each goal gets a met/missed line.
"""
import argparse
import collections
import datetime
import json
import os
import platform
import re
import statistics
import subprocess

# What each comparison is, in the order BENCHMARKS.md shows them. "stampede" names the side
# whose figure is the numerator of every ratio; "scaling" and "grid" comparisons have their own
# tables. "metric" is the figure each side records (default rps, requests/s); "goal" is the
# issue's target: a ratio at least some value, or one side's median below some value.
COMPARISONS = [
    {
        "id": "generator_vs_wrk_h2load",
        "title": "(1) Load generator: one Stampede agent vs wrk -t1 and h2load --h1 -t1",
        "what": "Requests/s each tool drives against nginx (one worker) answering a fixed JSON "
                "body on every path, same keep-alive connection count on every side, one load "
                "thread each. The agent's side is an embedded run (coordinator and one agent in "
                "one process) that also classifies every answer and records its order id. The "
                "last column is nginx's worker CPU over each round's middle seconds: near 100 %, "
                "nginx set the pace, and a ratio near 1 says the tools are at least as fast as "
                "the server, not which one is faster: (1b) answers that.",
        "stampede": "stampede-agent",
        "notes_header": "nginx worker CPU, % of one core (each round)",
        "notes_each_round": True,
        "goal": {"ratio": "stampede-agent/wrk", "at_least": 1.0, "issue": 5},
    },
    {
        "id": "generator_vs_wrk_cpu_capped",
        "title": "(1b) Load generator per CPU: one Stampede agent vs wrk -t1, each held to half "
                 "a core",
        "what": "The load of (1), with each tool's process in a CPU cgroup capped at half a "
                "core (cgroup v2 cpu.max or v1's CFS quota: 10 ms of CPU per 20 ms, across all "
                "its threads) while nginx keeps a core of its own. nginx's worker CPU in the last "
                "column stays well under 100 %: the tool sets the pace, so the ratio says which "
                "tool makes more requests from the same CPU time, which (1) cannot say on a "
                "machine with two cores. The agent's side is one stampede-agent process "
                "(--threads 1: its swarm thread, its control thread that ships the order ids, and "
                "ZeroMQ's I/O thread, all in the cgroup), driven by a coordinator daemon outside "
                "the cgroup, as on a cluster whose coordinator runs on another host; the embedded "
                "run of (1) would also charge the coordinator's merge to the agent. Skipped, and "
                "listed as not measured, where no CPU cgroup can be written.",
        "stampede": "stampede-agent",
        "notes_header": "nginx worker CPU, % of one core (each round)",
        "notes_each_round": True,
        "goal": {"ratio": "stampede-agent/wrk", "at_least": 1.0, "issue": 5},
    },
    {
        "id": "tls_generator_vs_wrk",
        "title": "(1c) Load generator per CPU over HTTPS: one Stampede agent vs wrk -t1, each "
                 "held to half a core",
        "what": "(1b) over TLS: an nginx of its own (one worker, TLS 1.3, an ECDSA P-256 "
                "certificate the bench makes with the openssl command), keep-alive connections. "
                "The agent verifies the certificate against the bench's CA (--ca-file), as a user "
                "would; wrk verifies nothing. Both resume no session here: each connection "
                "shakes hands once and then carries requests for the whole run.",
        "stampede": "stampede-agent",
        "notes_header": "nginx worker CPU, % of one core (each round)",
        "notes_each_round": True,
        "goal": {"ratio": "stampede-agent/wrk", "at_least": 1.0, "issue": 19},
    },
    {
        "id": "tls_new_connection_vs_wrk",
        "title": "(1d) A new HTTPS connection per request: one Stampede agent "
                 "(--connection-per-attempt) vs wrk -t1 -H 'Connection: close', each held to half "
                 "a core",
        "what": "The load of (1c) with a new TCP connection and TLS handshake for every request: "
                "the storm of a sale's first second. The agent sends Connection: close (it will "
                "close after the answer) and resumes its last session (--tls-sessions reuse, the "
                "default); wrk sends the same header. Handshakes dominate both sides' CPU.",
        "stampede": "stampede-agent",
        "notes_header": "nginx worker CPU, % of one core (each round)",
        "notes_each_round": True,
        "goal": {"ratio": "stampede-agent/wrk", "at_least": 1.0, "issue": 19},
    },
    {
        "id": "agent_vs_locust",
        "title": "(2) One Stampede agent vs one Locust process (FastHttpUser)",
        "what": "Requests/s against the same nginx fixed JSON body, as many Locust users as "
                "agent virtual users, no wait time on either side. Each figure is the tool's own: "
                "Locust's Requests/s covers its whole run, which spawns every user within the "
                "first second (-r = -u); the agent opens all its users at once.",
        "stampede": "stampede-agent",
        "notes_header": "nginx worker CPU, % of one core (each round)",
        "notes_each_round": True,
        "goal": {"ratio": "stampede-agent/locust", "at_least": 10.0, "issue": 5},
    },
    {
        "id": "cluster_vs_locust_distributed",
        "title": "(2b) Flash sale: Stampede cluster (coordinator + 2 agents) vs Locust "
                 "distributed (master + 2 workers)",
        "what": "Requests/s of the same flash sale on stampede-target's safe endpoint (memory "
                "store, one I/O thread): the stock is reset before each side, every attempt has a "
                "fresh Idempotency-Key, the sale sells out and the rest are 409 sold_out answers. "
                "The last column is what each tool can say about integrity afterwards.",
        "stampede": "stampede-cluster",
    },
    {
        "id": "target_vs_nginx",
        "title": "(3) stampede-target safe (memory store) vs nginx, both under wrk",
        "what": "Requests/s wrk -t1 gets from each server with the same script: a checkout POST "
                "with a fresh Idempotency-Key per request (bench/peers/checkout.lua). The target "
                "makes a real purchase for each (the stock never runs out); nginx returns its fixed "
                "body. Both servers run one I/O thread / one worker. Side nginx-get is nginx "
                "under wrk without a script (a plain GET), as the acceptance check target-speed "
                "measures its peer; the last column is wrk's own CPU.",
        "stampede": "stampede-target",
        "peer_ratios": [["nginx", "nginx-get"]],
        "notes_header": "wrk CPU, % of one core (each round)",
        "notes_each_round": True,
        "reading": "How to read nginx-get: wrk has one thread, and under the script it builds "
                   "every request in Lua, which nginx's figure pays for (wrk's CPU near 100 % "
                   "against nginx: wrk, not nginx, set that pace). So nginx/nginx-get is about the "
                   "most any server can score against a peer measured without the script; a ratio "
                   "stampede-target/nginx-get at or above it would need a server that costs less "
                   "than nginx's fixed answer. The goal is judged with the same script on both "
                   "sides.",
        "goal": {"ratio": "stampede-target/nginx", "at_least": 0.8, "issue": 4},
    },
    {
        "id": "target_tls_vs_nginx",
        "title": "(3d) stampede-target safe (memory store) vs nginx, both over TLS, under wrk",
        "what": "(3) over TLS 1.3 with the same ECDSA P-256 certificate on both servers: the "
                "target with --tls-cert and --tls-key, nginx with one worker. wrk keeps its "
                "connections, so the figures are about records, not handshakes.",
        "stampede": "stampede-target",
        "goal": {"ratio": "stampede-target/nginx", "at_least": 0.8, "issue": 19},
    },
    {
        "id": "target_redis_vs_redis_benchmark",
        "title": "(3b) stampede-target redis-lua vs redis-benchmark (same Lua script, same Redis)",
        "what": "Purchases per second through the target's safe endpoint on `--store redis://... "
                "--strategy redis-lua` under wrk -t1 (bench/peers/checkout.lua: a fresh "
                "Idempotency-Key per request), beside redis-benchmark (one thread, no pipelining) "
                "calling the same Lua script (kPurchase from target/store/redis/redis_scripts.hpp, "
                "loaded once, called by EVALSHA with the keys and arguments the target passes) "
                "straight on the same redis-server, with as many connections as wrk. The stock "
                "(10^12) never runs out, so every request on both sides is a purchase: the script "
                "looks for due holds (none here: one EXISTS), checks, decrements, appends the order "
                "to the ledger list and records the key; "
                "there are no sold-out answers in these figures. Per request the target also "
                "parses HTTP and JSON, checks its in-process idempotency table, writes the script "
                "call down its I/O loop's own pipelined Redis connection and writes the 201 "
                "answer: that is the overhead the ratio measures. redis-benchmark draws each "
                "Idempotency-Key from 10^9 random values, so about 0.01 % of its calls repeat a key "
                "and get the cheaper replay answer; its run is sized by a probe to last about as "
                "long as wrk's and counts only if the ledger grew by at least 99 % of its calls. "
                "redis-server: no snapshots, no append-only file.",
        "stampede": "stampede-target",
        "goal": {"ratio": "stampede-target/redis-benchmark", "at_least": 0.7, "issue": 4},
    },
    {
        "id": "target_pg_vs_pgbench",
        "title": "(3c) stampede-target postgres-conditional vs pgbench (same UPDATE, same row)",
        "what": "Purchases per second through the target's safe endpoint on `--store "
                "postgresql://... --strategy postgres-conditional` under wrk -t1 (a fresh "
                "Idempotency-Key per request), beside pgbench (-j 1, prepared statements like the "
                "target's store connections) with as many clients, on the same product row of the "
                "same PostgreSQL 15 (fsync, synchronous_commit and full_page_writes off on both "
                "sides: neither is measuring the disk). The stock (10^12) never runs out: no "
                "sold-out answers. What each side does per request: the target runs one "
                "autocommit statement, `WITH bought AS (UPDATE products SET stock = stock - $2 "
                "WHERE id = $1 AND stock >= $2 RETURNING stock), recorded AS (INSERT INTO orders "
                "... SELECT ... FROM bought RETURNING order_id) SELECT ...` (one round trip on one "
                "of its 8 store connections) plus HTTP, JSON and its idempotency table. "
                "pgbench-update runs only the UPDATE, autocommit (no order row): the comparison "
                "the issue names. pgbench-purchase runs the target's whole statement "
                "(bench/peers/pg_purchase.sql), so the ratio against it isolates what the target "
                "adds in front of the database; pgbench-purchase-c8 does so with as many "
                "connections as the target has. pgbench's runs count only if the stock fell by "
                "exactly the transactions it reports and none failed.",
        "stampede": "stampede-target",
        "goal": {"ratio": "stampede-target/pgbench-update", "at_least": 0.7, "issue": 4},
        "reading": "Every purchase takes the same row, so the row's throughput is bounded by how "
                   "long each holds its lock. The target's statement holds it for the statement "
                   "and its commit only, as the bare UPDATE does, and adds the order insert "
                   "inside that hold: stock and ledger move together. Earlier versions ran "
                   "BEGIN, UPDATE, INSERT and COMMIT as four round trips holding the lock across "
                   "three of them, and made a quarter of pgbench-update's rate. pgbench with 64 "
                   "clients queues 64 backends on one row lock, each woken to re-check it; the "
                   "target never has more than its 8 store connections waiting.",
    },
    {
        "id": "coordinator_idle_cpu",
        "title": "(4) Coordinator CPU while 64 agents only heartbeat, beside a Locust master "
                 "with 64 idle workers (4 of each in --quick)",
        "what": "CPU time (utime + stime from /proc/PID/stat, every thread of the process) the "
                "controller uses over the measured seconds, as a percentage of one core, once "
                "all its workers are connected and idle: `stampede agents` lists them all idle, or "
                "the Locust master has logged them all connected. Stampede agents heartbeat once "
                "a second (the coordinator answers each); Locust workers heartbeat once a second "
                "too. Lower is better; the ratio is Stampede's CPU over Locust's.",
        "stampede": "stampede-coordinator",
        "metric": "cpu_pct",
        "unit": "% of one core",
        "lower_is_better": True,
        "notes_header": "its workers' own CPU over the same seconds (last round)",
        "goal": {"side": "stampede-coordinator", "below": 5.0, "issue": 8},
        "reading": "Starting 64 Locust workers takes most of a minute of both cores and raises "
                   "the load average that the header quotes at the end of the run; the "
                   "measurement starts only once every worker has connected.",
    },
    {
        "id": "agent_scaling",
        "title": "(5) How one agent's cost grows with its connections (wrk -t1 beside it)",
        "what": "Requests/s and peak resident memory (VmHWM, sampled every 100 ms) at each "
                "connection count against nginx's fixed JSON body, wrk -t1 at the same count for "
                "reference. The agent's side is an embedded run: coordinator and one one-thread "
                "agent in one process, so its memory includes the coordinator. That memory also "
                "holds every acknowledged order id the agent keeps for the oracle (one per answer; "
                "nginx sends a 32-character id), so it grows with the requests made as well as "
                "with the connections: the requests column says how many that run made.",
        "scaling": True,
    },
    {
        "id": "merge_tick",
        "title": "(5b) Coordinator merge time per second of traffic at 8, 32 and 64 agents",
        "what": "bench/merge_tick: wall time for coordinator::PhaseMerge to take in one second of "
                "what N agents send while a job runs (per agent, as agent/control/agent_session.cpp "
                "sends them: 2 Progress messages, each with the bin of the second its attempts "
                "ended in, their latency spread log-normally around 4 ms, and the OrderBatch frames "
                "of the orders acknowledged meanwhile, at most 10,000 per frame), from serialized "
                "frames: parse each Envelope, add_progress / add_batch, then what a tick reads "
                "(live_totals, take_window and its p50 and p99). Median of many repetitions, each "
                "from a fresh PhaseMerge, one thread: wall time, the figure the goal is about, and "
                "in brackets the thread's CPU time, which a busy shared machine inflates less. Row *share*: every agent makes 20,000 "
                "attempts/s (about one agent's speed in (1)) and the cluster's 20,000 "
                "acknowledged orders/s (about the safe endpoint's rate in (3)) are shared among "
                "the agents, the rest sold out. Row *full*: every attempt of every agent "
                "acknowledged (a target that never says no: 20,000 orders/s per agent), the worst "
                "case. A figure of X ms per second of traffic is X/10 % of one core; at 1,000 ms "
                "the coordinator cannot keep up.",
        "grid": {"rows": ["share", "full"], "columns": [8, 32, 64]},
        "metric": "ms",
        "unit": "ms",
        "lower_is_better": True,
        "goal": {"side": "share-a64", "below": 10.0, "issue": 8},
        "reading": "While a job runs the coordinator parses every frame, merges the progress "
                   "windows and holds the order batches as they came; the key -> order map the "
                   "oracle needs is built once, when the phase ends (PhaseMerge::acknowledged). "
                   "That build is not in these figures: merge_tick times it after each tick and "
                   "logs it, 36 ms for the full row's 8 agents and 479 ms for its 64 (1.28 "
                   "million orders), about 0.4 microseconds an order. Building the map as batches "
                   "came put all of that inside the run (908 ms a second at full-a64 before), on "
                   "a core the agents of an embedded or co-located run need. Where the full row "
                   "passes 1,000 ms, one coordinator thread cannot keep up with that load.",
    },
]

NOT_MEASURED = []


def read_tsv(path, fields):
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == fields:
                    rows.append(parts)
    return rows


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    mem_kb = 0
    try:
        with open("/proc/meminfo") as f:
            mem_kb = int(next(l.split()[1] for l in f if l.startswith("MemTotal")))
    except (OSError, StopIteration):
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem_kb / 2**20, 1),
            "kernel": platform.release()}


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return ""


def git_commit(root):
    try:
        head = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return head + ("+uncommitted changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return ""


def goal_verdict(spec, entry):
    """The issue's goal for this comparison, checked against the medians: a dict for the JSON
    and the Markdown line, or None when the comparison has no goal or no figure for it."""
    goal = spec.get("goal")
    if not goal:
        return None
    if "ratio" in goal:
        value = entry["ratios"].get(goal["ratio"])
        what, limit, ok = f"ratio {goal['ratio']}", goal["at_least"], None
        if value is not None:
            ok = value >= limit
    else:
        side = next((s for s in entry["sides"] if s["side"] == goal["side"]), None)
        value = side["median"].get(spec.get("metric", "rps")) if side else None
        what, limit, ok = f"{goal['side']} median", goal["below"], None
        if value is not None:
            ok = value < limit
    if ok is None:
        return None
    return {"what": what, "limit": limit, "kind": "at_least" if "ratio" in goal else "below",
            "value": value, "met": ok, "issue": goal.get("issue")}


def build(args):
    previous = {}
    if args.previous and os.path.exists(args.previous):
        try:
            with open(args.previous) as f:
                old = json.load(f)
            for c in old.get("comparisons", []):
                if c.get("id") and c.get("status") == "measured":
                    c.setdefault("carried_from", {
                        "generated_at": old.get("generated_at"), "invocation": old.get("invocation"),
                        "mode": old.get("mode"), "load_average": old.get("load_average"),
                        "commit": old.get("commit")})
                    previous[c["id"]] = c
        except (OSError, ValueError):
            previous = {}
    samples = collections.defaultdict(lambda: collections.defaultdict(list))
    for cid, side, rnd, metric, value in read_tsv(args.samples, 5):
        samples[(cid, side)][metric].append(float(value))
    commands = {(c, s): cmd for c, s, cmd in read_tsv(args.commands, 3)}
    notes = collections.defaultdict(list)
    for c, s, text in read_tsv(args.notes, 3):
        notes[(c, s)].append(text)
    only = [x for x in args.only.split(",") if x]

    out = []
    for spec in COMPARISONS:
        cid = spec["id"]
        side_names = [s for c, s in commands if c == cid]
        entry = {"id": cid, "title": spec["title"], "what": spec["what"], "sides": []}
        if only and cid not in only:
            if cid in previous and previous[cid].get("carried_from", {}).get("mode") != "quick":
                out.append(previous[cid])
                continue
            entry["status"] = "not run (--only)"
            out.append(entry)
            continue
        for name in side_names:
            m = samples.get((cid, name), {})
            entry["sides"].append({
                "side": name,
                "command": commands[(cid, name)],
                "samples": {k: v for k, v in m.items()},
                "median": {k: statistics.median(v) for k, v in m.items()},
                "notes": notes.get((cid, name), []),
            })
        metric = spec.get("metric", "rps")
        entry["metric"] = metric
        medians = {s["side"]: s["median"].get(metric) for s in entry["sides"]}
        entry["status"] = "measured" if all(v is not None for v in medians.values()) and medians \
            else "incomplete"
        ratios = {}
        if spec.get("scaling"):
            for name, v in medians.items():
                peer = medians.get(name.replace("agent-", "wrk-", 1))
                if name.startswith("agent-") and v is not None and peer:
                    ratios[name + "/" + name.replace("agent-", "wrk-", 1)] = v / peer
        elif spec.get("stampede"):
            for top, bottom in ratio_pairs(spec, medians):
                if medians.get(top) is not None and medians.get(bottom):
                    ratios[top + "/" + bottom] = medians[top] / medians[bottom]
            entry["round_ratios"] = round_ratios(spec, entry["sides"], metric)
        entry["ratios"] = ratios
        verdict = goal_verdict(spec, entry)
        if verdict:
            entry["goal"] = verdict
        out.append(entry)
    for title, why in NOT_MEASURED:
        out.append({"id": None, "title": title, "status": "not measured yet", "why": why})
    return out


def fmt(v, digits=0):
    return "—" if v is None else f"{v:,.{digits}f}"


def markdown(doc):
    m = doc["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Stampede beside its peers, measured by one command on one machine. Every figure below is "
        "the median of alternated rounds (each round runs every side once, and the side that goes "
        "first rotates), and every ratio is a ratio of those medians, Stampede's side over the "
        "peer's; the goals are judged on it. Beside it come each round's own ratio and their "
        "median: a round's sides run back to back, so a shift in the machine's speed between "
        "rounds cancels there. Absolute figures drift on a shared machine; the ratios are what "
        "to compare.",
        "",
        "Rerun them: `bench/run` (installs nginx-light, wrk, nghttp2-client, python3-locust, "
        "redis-server, redis-tools and postgresql when missing, builds the release binaries and "
        "bench/merge_tick when missing, writes this file and `bench/results.json`). "
        "`bench/run --only ID[,ID]` reruns some comparisons and keeps the others' figures, each "
        "marked with the run that measured it. `bench/run --quick` is the harness check that "
        "`scripts/test` runs (ctest label `bench`); it writes to a temp folder and asserts no speed.",
        "",
        "| | |",
        "| --- | --- |",
        f"| date | {doc['generated_at']} |",
        f"| command | `{doc['invocation']}` ({doc['mode']} mode: {doc['rounds']} round(s), "
        f"{doc['seconds_per_side']} s per side) |",
        f"| machine | {m['nproc']} cores (`nproc`), {m['cpu'] or 'unknown CPU'}, "
        f"{m['memory_gib']} GiB, Linux {m['kernel']} |",
        f"| load average (1, 5, 15 min) | {doc['load_average']['start'] or '?'} at the start, "
        f"{doc['load_average']['end'] or '?'} at the end, on {m['nproc']} cores |",
        f"| commit | {doc['commit'] or 'unknown'} |",
        "",
        "The machine is shared: other builds and tests may have been running during the run, and "
        "every load generator and server here share its cores. The medians of alternated rounds "
        "are the defence against that drift, not a cure; treat differences of a few percent as "
        "noise. All traffic is on loopback.",
        "",
    ]
    specs = {spec["id"]: spec for spec in COMPARISONS}
    for c in doc["comparisons"]:
        lines += [f"## {c['title']}", ""]
        if c["status"] == "not measured yet" or c["status"].startswith("not run"):
            lines += [f"**{c['status']}**" + (f": {c['why']}." if c.get("why") else "."), ""]
            continue
        spec = specs.get(c["id"], {})
        metric, unit = spec.get("metric", "rps"), spec.get("unit", "requests/s")
        lines += [c["what"], ""]
        if c.get("carried_from"):
            was = c["carried_from"]
            load = (was.get("load_average") or {}).get("start") or "?"
            lines += [f"*Figures from an earlier run, kept by `--only`: {was.get('generated_at')}, "
                      f"`{was.get('invocation')}`, commit {was.get('commit') or 'unknown'}, load "
                      f"average {load} at its start.*", ""]
        scaling = c["id"] == "agent_scaling"
        if spec.get("grid"):
            lines += grid_table(c, spec)
        elif scaling:
            by = {s["side"]: s for s in c["sides"]}
            lines += ["| connections | agent requests/s | wrk requests/s | ratio agent/wrk "
                      "| agent peak RSS (MiB) | wrk peak RSS (MiB) | agent requests in the run "
                      "| rounds, agent / wrk (requests/s) |",
                      "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
            for name in [s["side"] for s in c["sides"] if s["side"].startswith("agent-")]:
                a, w = by[name], by.get(name.replace("agent-", "wrk-", 1), {"median": {}, "samples": {}})
                ratio = c["ratios"].get(name + "/" + name.replace("agent-", "wrk-", 1))
                mib = lambda s: None if s["median"].get("rss_kb") is None else s["median"]["rss_kb"] / 1024
                lines.append(
                    f"| {int(name.split('-c')[1]):,} | {fmt(a['median'].get('rps'))} | "
                    f"{fmt(w['median'].get('rps'))} | {'—' if ratio is None else f'{ratio:.2f}'} | "
                    f"{fmt(mib(a), 1)} | {fmt(mib(w), 1)} | {fmt(a['median'].get('requests'))} | "
                    f"{', '.join(fmt(v) for v in a['samples'].get('rps', []))} / "
                    f"{', '.join(fmt(v) for v in w['samples'].get('rps', []))} |")
        else:
            has_notes = any(s["notes"] for s in c["sides"])
            head = f"| side | median {unit} | rounds ({unit}) |"
            rule = "| --- | ---: | --- |"
            if has_notes:
                head += f" {spec.get('notes_header', 'integrity afterwards (last round)')} |"
                rule += " --- |"
            lines += [head, rule]
            for s in c["sides"]:
                digits = 0 if metric == "rps" else 2
                row = (f"| {s['side']} | {fmt(s['median'].get(metric), digits)} | "
                       f"{', '.join(fmt(v, digits) for v in s['samples'].get(metric, []))} |")
                if has_notes and spec.get("notes_each_round"):
                    row += f" {', '.join(s['notes']) if s['notes'] else '—'} |"
                elif has_notes:
                    row += f" {s['notes'][-1] if s['notes'] else '—'} |"
                lines.append(row)
        lines.append("")
        if not scaling:
            for name, r in c["ratios"].items():
                paired = c.get("round_ratios", {}).get(name)
                lines.append(f"- ratio {name}: **{r:.2f}**" +
                             (" (lower is better)" if spec.get("lower_is_better") else "") +
                             ("" if paired is None else
                              f"; round by round {', '.join(f'{x:.2f}' for x in paired)}, "
                              f"median {statistics.median(paired):.2f}"))
        if c.get("goal"):
            lines.append(goal_line(c["goal"], unit, doc["mode"]))
        if spec.get("reading"):
            lines += ["", spec["reading"]]
        if c["status"] != "measured":
            lines.append("- **incomplete**: a side produced no figure; see bench/run's output.")
        lines += ["", "Commands (NGINX, TARGET, ADMIN, CONTROL: loopback addresses picked at run time):", ""]
        for s in c["sides"]:
            lines.append(f"- {s['side']}: `{s['command']}`")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def ratio_pairs(spec, side_names):
    """(numerator, denominator) of each ratio a comparison quotes: Stampede's side over every
    peer, then the peer_ratios that put two peers beside each other, where that explains what a
    ratio can reach."""
    mine = spec["stampede"]
    return [(mine, name) for name in side_names if name != mine] + \
        [tuple(p) for p in spec.get("peer_ratios", [])]


def round_ratios(spec, sides, metric):
    """Each round's ratio, Stampede's side over each peer, in round order. A round runs its sides
    back to back, so a change in the machine's speed between rounds (these machines have shifted
    by a sixth between rounds) cancels in its ratio, where the ratio of medians can pair one
    side's fast rounds with the other's slow ones. Only where both sides have every round."""
    by = {s["side"]: s["samples"].get(metric, []) for s in sides}
    out = {}
    for top, bottom in ratio_pairs(spec, by):
        mine, theirs = by.get(top, []), by.get(bottom, [])
        if mine and len(theirs) == len(mine) and all(theirs):
            out[top + "/" + bottom] = [a / b for a, b in zip(mine, theirs)]
    return out


def grid_table(c, spec):
    """Rows (load models) by columns (agent counts): side names are ROW-aCOLUMN."""
    by = {s["side"]: s for s in c["sides"]}
    cols = spec["grid"]["columns"]
    out = ["| load | " + " | ".join(f"{n} agents" for n in cols) + " | rounds, wall (ms) |",
           "| --- | " + " | ".join("---:" for _ in cols) + " | --- |"]
    for row in spec["grid"]["rows"]:
        cells, rounds = [], []
        for n in cols:
            side = by.get(f"{row}-a{n}", {"median": {}, "samples": {}})
            cells.append(fmt(side["median"].get(spec["metric"]), 2) + " ms (CPU " +
                         fmt(side["median"].get("cpu_ms"), 2) + ")")
            rounds.append(f"{n}: " + ", ".join(fmt(v, 2) for v in side["samples"].get(spec["metric"], [])))
        out.append(f"| {row} | " + " | ".join(cells) + " | " + "; ".join(rounds) + " |")
    return out


def goal_line(g, unit, mode):
    if g["kind"] == "at_least":
        target, value = f"≥ {g['limit']:.2f}", f"{g['value']:.2f}"
        gap = f"{g['limit'] - g['value']:.2f} ({100 * (1 - g['value'] / g['limit']):.0f} % below the goal)"
    else:
        target, value = f"< {g['limit']:g} {unit}", f"{g['value']:.2f} {unit}"
        gap = f"{g['value'] - g['limit']:.2f} {unit} ({100 * (g['value'] / g['limit'] - 1):.0f} % above the goal)"
    verdict = "**met**" if g["met"] else f"**missed** by {gap}"
    issue = f" (issue {g['issue']})" if g.get("issue") else ""
    quick = " — quick mode: one short round on a test build, not a measurement" if mode == "quick" else ""
    return f"- goal{issue}: {g['what']} {target}: {value}, {verdict}{quick}"


def main():
    p = argparse.ArgumentParser()
    for flag in ("samples", "commands", "notes", "out-md", "out-json", "mode", "invocation"):
        p.add_argument("--" + flag, required=True)
    p.add_argument("--rounds", type=int, required=True)
    p.add_argument("--seconds", type=int, required=True)
    p.add_argument("--only", default="")
    p.add_argument("--load-start", default="")
    p.add_argument("--previous", default="", help="the results JSON being replaced (--only keeps "
                   "its figures for the comparisons not run)")
    args = p.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    doc = {
        "generated_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": args.mode,
        "rounds": args.rounds,
        "seconds_per_side": args.seconds,
        "invocation": args.invocation,
        "commit": git_commit(root),
        "machine": machine(),
        # What else the machine was doing: 1, 5 and 15 minute load averages as the run began and ended.
        "load_average": {"start": args.load_start, "end": load_average()},
        "comparisons": build(args),
    }
    for path in (args.out_md, args.out_json):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(args.out_json, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    # bench/soak's section is its own, from a run of its own: kept as it was.
    soak = ""
    if os.path.exists(args.out_md):
        found = re.search(r"<!-- soak:begin.*?<!-- soak:end -->\n?", open(args.out_md).read(), re.S)
        soak = "\n" + found.group(0) if found else ""
    with open(args.out_md, "w") as f:
        f.write(markdown(doc) + soak)


if __name__ == "__main__":
    main()
