#!/usr/bin/env python3
"""Turns bench/run's raw figures into BENCHMARKS.md and a JSON file with the same numbers.

Input: samples.tsv (comparison, side, round, metric, value), commands.tsv (comparison, side,
command) and notes.tsv (comparison, side, text), as bench/run writes them. Each side's figure is
the median of its rounds; each ratio is a ratio of medians, Stampede's side over the peer's.
Comparisons that bench/run does not measure yet are listed as such, with no figures.
"""
import argparse
import collections
import datetime
import json
import os
import platform
import statistics
import subprocess

# What each comparison is, in the order BENCHMARKS.md shows them. "stampede" names the side
# whose figure is the numerator of every ratio; "base" (scaling tables) the row others divide by.
COMPARISONS = [
    {
        "id": "generator_vs_wrk_h2load",
        "title": "(1) Load generator: one Stampede agent vs wrk -t1 and h2load --h1 -t1",
        "what": "Requests/s each tool drives against nginx (one worker) answering a fixed JSON "
                "body on every path, same keep-alive connection count on every side, one load "
                "thread each. The agent's side is an embedded run (coordinator and one agent in "
                "one process) that also classifies every answer and records its order id.",
        "stampede": "stampede-agent",
    },
    {
        "id": "agent_vs_locust",
        "title": "(2) One Stampede agent vs one Locust process (FastHttpUser)",
        "what": "Requests/s against the same nginx fixed JSON body, as many Locust users as "
                "agent virtual users, no wait time on either side. Each figure is the tool's own: "
                "Locust's Requests/s covers its whole run, which spawns every user within the "
                "first second (-r = -u); the agent opens all its users at once.",
        "stampede": "stampede-agent",
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
                "body. Both servers run one I/O thread / one worker.",
        "stampede": "stampede-target",
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
]

NOT_MEASURED = [
    ("(3) stampede-target redis-lua vs redis-benchmark (same Lua script)",
     "the Redis strategies have landed, but bench/run does not drive them yet"),
    ("(3) stampede-target postgres-conditional vs pgbench (same UPDATE)",
     "the PostgreSQL strategies have landed, but bench/run does not drive them yet"),
    ("(4) coordinator with 64 agents: CPU while idle, merge time per tick",
     "needs the coordinator to expose its merge time per tick; not measured yet"),
    ("(5) coordinator merge time at 8, 32 and 64 agents",
     "same as (4); not measured yet"),
]


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


def build(args):
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
        medians = {s["side"]: s["median"].get("rps") for s in entry["sides"]}
        entry["status"] = "measured" if all(v is not None for v in medians.values()) and medians \
            else "incomplete"
        ratios = {}
        if spec.get("scaling"):
            for name, v in medians.items():
                peer = medians.get(name.replace("agent-", "wrk-", 1))
                if name.startswith("agent-") and v is not None and peer:
                    ratios[name + "/" + name.replace("agent-", "wrk-", 1)] = v / peer
        else:
            mine = medians.get(spec["stampede"])
            for name, v in medians.items():
                if name != spec["stampede"] and mine is not None and v:
                    ratios[spec["stampede"] + "/" + name] = mine / v
        entry["ratios"] = ratios
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
        "peer's. Absolute figures drift on a shared machine; the ratios are what to compare.",
        "",
        "Rerun them: `bench/run` (installs nginx-light, wrk, nghttp2-client, python3-locust when "
        "missing, builds the release binaries when missing, writes this file and "
        "`bench/results.json`). `bench/run --quick` is the harness check that `scripts/test` runs "
        "(ctest label `bench`); it writes to a temp folder and asserts no speed.",
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
    for c in doc["comparisons"]:
        lines += [f"## {c['title']}", ""]
        if c["status"] == "not measured yet" or c["status"].startswith("not run"):
            lines += [f"**{c['status']}**" + (f": {c['why']}." if c.get("why") else "."), ""]
            continue
        lines += [c["what"], ""]
        scaling = c["id"] == "agent_scaling"
        if scaling:
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
            head = "| side | median requests/s | rounds (requests/s) |"
            rule = "| --- | ---: | --- |"
            if has_notes:
                head += " integrity afterwards (last round) |"
                rule += " --- |"
            lines += [head, rule]
            for s in c["sides"]:
                row = (f"| {s['side']} | {fmt(s['median'].get('rps'))} | "
                       f"{', '.join(fmt(v) for v in s['samples'].get('rps', []))} |")
                if has_notes:
                    row += f" {s['notes'][-1] if s['notes'] else '—'} |"
                lines.append(row)
        lines.append("")
        if not scaling:
            for name, r in c["ratios"].items():
                lines.append(f"- ratio {name}: **{r:.2f}**")
        if c["status"] != "measured":
            lines.append("- **incomplete**: a side produced no figure; see bench/run's output.")
        lines += ["", "Commands (NGINX, TARGET, ADMIN, CONTROL: loopback addresses picked at run time):", ""]
        for s in c["sides"]:
            lines.append(f"- {s['side']}: `{s['command']}`")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main():
    p = argparse.ArgumentParser()
    for flag in ("samples", "commands", "notes", "out-md", "out-json", "mode", "invocation"):
        p.add_argument("--" + flag, required=True)
    p.add_argument("--rounds", type=int, required=True)
    p.add_argument("--seconds", type=int, required=True)
    p.add_argument("--only", default="")
    p.add_argument("--load-start", default="")
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
    with open(args.out_md, "w") as f:
        f.write(markdown(doc))


if __name__ == "__main__":
    main()
