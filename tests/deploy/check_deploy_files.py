#!/usr/bin/env python3
"""Checks deploy/'s compose, stack and Kubernetes files for what `docker-compose config` cannot:
the services and wiring the issue asks for, and that every STAMPEDE_* variable they set is a
flag of the binary that reads it (the binaries' --help lists each flag's variable).

  check_deploy_files.py REPO CLI AGENT_BIN TARGET_BIN   (needs docker-compose and promtool)
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

import yaml

REPO, CLI, AGENT, TARGET = sys.argv[1:5]
DEPLOY = os.path.join(REPO, "deploy")
problems = []
ENV = dict(os.environ, COORDINATOR_ADDR="192.0.2.10", TARGET_ADDR="192.0.2.30",
           COORDINATOR_PUBLIC_KEY="rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")


def problem(msg):
    problems.append(msg)


def flag_envs(*cmd):
    out = subprocess.run(list(cmd) + ["--help"], capture_output=True, text=True, check=True).stdout
    return set(re.findall(r"Env:(STAMPEDE_[A-Z0-9_]+)", out))


# What each role's process reads. The target also takes its admin token from STAMPEDE_ADMIN_TOKEN.
READS = {
    "coordinator": flag_envs(CLI, "coordinator"),
    "cli": flag_envs(CLI, "run") | flag_envs(CLI, "agents"),
    "agent": flag_envs(AGENT),
    "target": flag_envs(TARGET) | {"STAMPEDE_ADMIN_TOKEN"},
}
for role, names in READS.items():
    if len(names) < 3:
        problem(f"{role}: --help lists only {sorted(names)}; cannot check variables")


def role_of(name, svc):
    text = " ".join(str(svc.get(k, "")) for k in ("image", "build", "entrypoint", "command"))
    if "coordinator" in text:
        cmd = svc.get("command") or svc.get("args") or ["coordinator"]
        return "coordinator" if cmd[:1] == ["coordinator"] else "cli"
    for role in ("agent", "target"):
        if f"{role}.Dockerfile" in text or re.search(rf"/{role}[:\s]|/{role}$", text):
            return role
    return None


def check_env(where, role, env):
    names = [k for k in env if k.startswith("STAMPEDE_")]
    for k in names:
        if k not in READS[role]:
            problem(f"{where}: {k} is not a flag of the {role} (its --help has {sorted(READS[role])})")
    return names


def compose_config(path):
    r = subprocess.run(["docker-compose", "-f", path, "config"], capture_output=True, text=True, env=ENV)
    if r.returncode != 0:
        problem(f"docker-compose config {path}: {r.stderr.strip()}")
        return None
    return yaml.safe_load(r.stdout)


def check_compose_services(path, cfg):
    rel = os.path.relpath(path, REPO)
    roles = {}
    for name, svc in cfg["services"].items():
        role = role_of(name, svc)
        if role is None:
            continue
        roles.setdefault(role, []).append(name)
        env = svc.get("environment") or {}
        check_env(f"{rel}: service {name}", role, env)
        b = svc.get("build")
        if b:
            df = os.path.join(b["context"], b["dockerfile"])
            if not os.path.isfile(df):
                problem(f"{rel}: service {name} builds from missing {df}")
            if os.path.realpath(b["context"]) != os.path.realpath(REPO):
                problem(f"{rel}: service {name} builds from {b['context']}, not the repository root")
    return roles


def healthy_dep(svc, dep):
    d = svc.get("depends_on") or {}
    return isinstance(d, dict) and d.get(dep, {}).get("condition") == "service_healthy"


def volume_mounts(svc):
    """{container path: host path or volume name}, from the long or the short syntax."""
    out = {}
    for v in svc.get("volumes", []):
        if isinstance(v, dict):
            out[v["target"]] = v.get("source")
        else:
            parts = v.split(":")
            out[parts[1]] = parts[0]
    return out


# ---- one host
path = os.path.join(DEPLOY, "docker-compose.yml")
cfg = compose_config(path)
if cfg:
    s = cfg["services"]
    for want in ("target", "redis", "postgres", "coordinator", "agent", "prometheus", "grafana"):
        if want not in s:
            problem(f"docker-compose.yml: no {want} service")
    check_compose_services(path, cfg)
    for name in ("target", "redis", "postgres", "coordinator", "prometheus", "grafana"):
        if name in s and "healthcheck" not in s[name]:
            problem(f"docker-compose.yml: {name} has no healthcheck")
    agent = s.get("agent", {})
    if "container_name" in agent or agent.get("ports") or "STAMPEDE_NAME" in (agent.get("environment") or {}):
        problem("docker-compose.yml: agent fixes a container name, host port or agent name: --scale agent=N would clash")
    for svc, dep in (("agent", "coordinator"), ("agent", "target"), ("target", "redis"),
                     ("target", "postgres"), ("grafana", "prometheus")):
        if svc in s and not healthy_dep(s[svc], dep):
            problem(f"docker-compose.yml: {svc} does not wait for {dep} to be healthy")
    if s.get("agent", {}).get("environment", {}).get("STAMPEDE_COORDINATOR") != "tcp://coordinator:5555":
        problem("docker-compose.yml: agents do not join tcp://coordinator:5555")
    mounts = volume_mounts(s.get("grafana", {}))
    prov = mounts.get("/etc/grafana/provisioning")
    dash = mounts.get("/etc/grafana/dashboards")
    if prov != os.path.join(DEPLOY, "grafana", "provisioning"):
        problem(f"docker-compose.yml: grafana provisioning comes from {prov}")
    if dash != os.path.join(REPO, "dashboards"):
        problem(f"docker-compose.yml: grafana dashboards come from {dash}")
    pmounts = volume_mounts(s.get("prometheus", {}))
    if pmounts.get("/etc/prometheus") != os.path.join(DEPLOY, "prometheus"):
        problem("docker-compose.yml: prometheus does not mount deploy/prometheus")

# Grafana provisioning: the datasource uid the dashboards name, and the folder they are read from.
ds = yaml.safe_load(open(os.path.join(DEPLOY, "grafana/provisioning/datasources/prometheus.yml")))
if [d.get("uid") for d in ds["datasources"]] != ["stampede-prometheus"]:
    problem("grafana datasource uid is not stampede-prometheus")
prov = yaml.safe_load(open(os.path.join(DEPLOY, "grafana/provisioning/dashboards/stampede.yml")))
if prov["providers"][0]["options"]["path"] != "/etc/grafana/dashboards":
    problem("grafana dashboard provider does not read /etc/grafana/dashboards")
for name in ("integrity", "load", "target"):
    if not os.path.isfile(os.path.join(REPO, "dashboards", f"{name}.json")):
        problem(f"dashboards/{name}.json is missing")

# ---- one compose file per role
want_roles = {"coordinator-host.yml": {"coordinator", "cli"}, "agent-host.yml": {"agent"},
              "target-host.yml": {"target"}}
for base, roles_wanted in want_roles.items():
    path = os.path.join(DEPLOY, "hosts", base)
    cfg = compose_config(path)
    if not cfg:
        continue
    roles = check_compose_services(path, cfg)
    if set(roles) != roles_wanted:
        problem(f"hosts/{base}: runs {sorted(roles)}, want {sorted(roles_wanted)}")
    for svc in cfg["services"].values():
        if role_of("", svc) in ("agent", "cli") or svc.get("image", "").startswith("prom/"):
            hosts = svc.get("extra_hosts") or []
            if "target:192.0.2.30" not in hosts:
                problem(f"hosts/{base}: a service that reaches the target lacks extra_hosts target:$TARGET_ADDR ({hosts})")
# The addresses a role file needs are required, not silently defaulted.
r = subprocess.run(["docker-compose", "-f", os.path.join(DEPLOY, "hosts/agent-host.yml"), "config", "-q"],
                   capture_output=True, text=True, env={k: v for k, v in ENV.items() if k != "COORDINATOR_ADDR"})
if r.returncode == 0 or "COORDINATOR_ADDR" not in r.stderr:
    problem("hosts/agent-host.yml: runs without COORDINATOR_ADDR")
cfg = compose_config(os.path.join(DEPLOY, "hosts/agent-host.yml"))
if cfg and cfg["services"]["agent"]["environment"]["STAMPEDE_COORDINATOR"] != "tcp://192.0.2.10:5555":
    problem("hosts/agent-host.yml: STAMPEDE_COORDINATOR does not follow COORDINATOR_ADDR")

# ---- Swarm stack
path = os.path.join(DEPLOY, "swarm/stack.yml")
raw = yaml.safe_load(open(path))
if not str(raw.get("version", "")).startswith("3"):
    problem("swarm/stack.yml: docker stack deploy needs version 3.x")
cfg = compose_config(path)
if cfg:
    roles = check_compose_services(path, cfg)
    for want in ("coordinator", "agent", "target"):
        if want not in roles:
            problem(f"swarm/stack.yml: no {want} service")
    agent = cfg["services"].get("agent", {})
    dep = agent.get("deploy", {})
    if not isinstance(dep.get("replicas"), int) or dep["replicas"] < 2:
        problem("swarm/stack.yml: agent has no replica count")
    if not any("node.labels.stampede.role" in c for c in dep.get("placement", {}).get("constraints", [])):
        problem("swarm/stack.yml: agent has no placement constraint")
    for name, c in (raw.get("configs") or {}).items():
        if not os.path.isfile(os.path.join(os.path.dirname(path), c["file"])):
            problem(f"swarm/stack.yml: config {name} points at missing {c['file']}")

# ---- Dockerfile defaults are flags too
for df in glob.glob(os.path.join(DEPLOY, "docker/*.Dockerfile")):
    role = os.path.basename(df).split(".")[0]
    text = open(df).read().replace("\\\n", " ")
    for line in text.splitlines():
        if line.startswith("ENV "):
            check_env(os.path.relpath(df, REPO), role, dict(re.findall(r"(\w+)=(\S+)", line)))

# ---- Kubernetes
k8s = os.path.join(DEPLOY, "k8s")
kust = yaml.safe_load(open(os.path.join(k8s, "kustomization.yaml")))
objects = []
for res in kust["resources"]:
    f = os.path.join(k8s, res)
    if not os.path.isfile(f):
        problem(f"k8s/kustomization.yaml: resource {res} is missing")
        continue
    objects += [(res, d) for d in yaml.safe_load_all(open(f)) if d]
extra = set(os.path.basename(f) for f in glob.glob(os.path.join(k8s, "*.yaml"))) - set(kust["resources"]) - {"kustomization.yaml"}
if extra:
    problem(f"k8s: {sorted(extra)} not listed in kustomization.yaml")
by = {(d["kind"], d["metadata"]["name"]): (f, d) for f, d in objects}
for want in [("Deployment", "coordinator"), ("Service", "coordinator"), ("Deployment", "agent"),
             ("Deployment", "target"), ("Service", "target"), ("ConfigMap", "prometheus"),
             ("Deployment", "prometheus")]:
    if want not in by:
        problem(f"k8s: no {want[0]} {want[1]}")
deployments = [d for f, d in objects if d["kind"] == "Deployment"]
for d in deployments:
    name = d["metadata"]["name"]
    sel = d["spec"]["selector"]["matchLabels"]
    labels = d["spec"]["template"]["metadata"]["labels"]
    if any(labels.get(k) != v for k, v in sel.items()):
        problem(f"k8s: Deployment {name}'s selector does not match its pods")
    for c in d["spec"]["template"]["spec"]["containers"]:
        role = role_of(name, {"image": "x/" + c["image"].split("/")[-1], "command": c.get("args")})
        if role:
            env = {e["name"]: e.get("value") for e in c.get("env", [])}
            # The CLI is run with `kubectl exec` inside the coordinator's pod, so its variables
            # belong there too.
            allowed = READS[role] | (READS["cli"] if role == "coordinator" else set())
            for k in env:
                if k.startswith("STAMPEDE_") and k not in allowed:
                    problem(f"k8s Deployment {name}: {k} is not a flag of the {role}")
            sc = d["spec"]["template"]["spec"].get("securityContext", {})
            if not sc.get("runAsNonRoot"):
                problem(f"k8s: Deployment {name} may run as root")
for f, svc in objects:
    if svc["kind"] != "Service":
        continue
    pods = [d for d in deployments
            if all(d["spec"]["template"]["metadata"]["labels"].get(k) == v for k, v in svc["spec"]["selector"].items())]
    if len(pods) != 1:
        problem(f"k8s: Service {svc['metadata']['name']} selects {len(pods)} Deployments")
        continue
    names = {p.get("name") for c in pods[0]["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])}
    for p in svc["spec"]["ports"]:
        if p["targetPort"] not in names:
            problem(f"k8s: Service {svc['metadata']['name']} targets port {p['targetPort']}, which no container names")
if ("Deployment", "agent") in by and by[("Deployment", "agent")][1]["spec"].get("replicas", 1) < 2:
    problem("k8s: agent Deployment has fewer than 2 replicas")
if ("ConfigMap", "prometheus") in by:
    data = by[("ConfigMap", "prometheus")][1]["data"]
    for key in ("prometheus.yml", "alerts.yml"):
        if data.get(key) != open(os.path.join(DEPLOY, "prometheus", key)).read():
            problem(f"k8s/prometheus.yaml: {key} differs from deploy/prometheus/{key}")
    with tempfile.TemporaryDirectory() as tmp:
        for key, text in data.items():
            open(os.path.join(tmp, key), "w").write(text)
        r = subprocess.run(["promtool", "check", "config", os.path.join(tmp, "prometheus.yml")],
                           capture_output=True, text=True)
        if r.returncode != 0:
            problem(f"k8s/prometheus.yaml: promtool: {r.stdout}{r.stderr}")

# ---- Kubernetes: `stampede run` as a Job (deploy/k8s/run)
run_dir = os.path.join(k8s, "run")
run_kust = yaml.safe_load(open(os.path.join(run_dir, "kustomization.yaml")))
jobs = [d for res in run_kust["resources"] for d in yaml.safe_load_all(open(os.path.join(run_dir, res)))
        if d and d["kind"] == "Job"]
generated = {g["name"]: g for g in run_kust.get("configMapGenerator", [])}
if len(jobs) != 1:
    problem(f"k8s/run: {len(jobs)} Jobs, want 1")
for job in jobs:
    pod = job["spec"]["template"]["spec"]
    if pod.get("restartPolicy") != "Never":
        problem("k8s/run: the Job's pod must not restart in place (restartPolicy: Never)")
    if not pod.get("securityContext", {}).get("runAsNonRoot"):
        problem("k8s/run: the Job may run as root")
    # A failed verdict is final: the rules must fail the Job on exit codes 1 and 2.
    final = {c for r in job["spec"].get("podFailurePolicy", {}).get("rules", []) if r["action"] == "FailJob"
             for c in r.get("onExitCodes", {}).get("values", [])}
    if job["spec"].get("backoffLimit", 6) > 0 and not {1, 2} <= final:
        problem("k8s/run: a failed verdict (exit 1) or bad scenario (exit 2) would be retried")
    (c,) = pod["containers"]
    argv = c.get("command", []) + c.get("args", [])
    if argv[:2] != ["stampede", "run"] or len(argv) < 3:
        problem(f"k8s/run: the Job runs {argv}, not `stampede run SCENARIO`")
        continue
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    check_env("k8s/run/job.yaml", "cli", env)
    mounts = {m["name"]: m["mountPath"] for m in c.get("volumeMounts", [])}
    scenario = None
    for v in pod["volumes"]:
        cm = v.get("configMap", {}).get("name")
        if cm in generated and v["name"] in mounts:
            for f in generated[cm].get("files", []):
                if argv[2] == os.path.join(mounts[v["name"]], f):
                    scenario = os.path.join(run_dir, f)
    if not scenario:
        problem(f"k8s/run: {argv[2]} is no file of a generated ConfigMap the Job mounts")
        continue
    # The real CLI reads the scenario as the Job would: a bad key or value exits 2 at once; a
    # good scenario gets as far as the coordinator, which is not there (exit 3).
    with tempfile.TemporaryDirectory() as tmp:
        token = os.path.join(tmp, "token")
        open(token, "w").write("x\n")
        r = subprocess.run([CLI, "run", scenario, "--coordinator", "tcp://127.0.0.1:1", "--quiet",
                            "--admin-token-file", token], capture_output=True, text=True, timeout=60)
        if r.returncode != 3:
            problem(f"k8s/run: `stampede run {os.path.relpath(scenario, REPO)}` exited {r.returncode}: {r.stderr.strip()}")

for p in problems:
    print("FAIL:", p, file=sys.stderr)
print(f"check_deploy_files: {len(problems)} problems; variables checked against "
      + ", ".join(f"{k} ({len(v)} flags)" for k, v in READS.items()))
sys.exit(1 if problems else 0)
