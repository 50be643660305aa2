#!/usr/bin/env python3
"""Replays each deploy/docker/*.Dockerfile's build stage without a Docker engine.

  dockerfile_replay.py REPO WORK CLI AGENT_BIN TARGET_BIN

Checks the shape the issue asks for (multi-stage, Debian 12, non-root, the build steps scripts/
runs), then runs the build stage's own instructions in WORK: COPY from the repository (honouring
the Dockerfile's .dockerignore), WORKDIR, and every RUN through /bin/sh as Docker would, with
absolute paths rooted in WORK. Only the compiler is stood in for: a `cmake` first on PATH
configures for real and, for `cmake --build`, puts the already-built test binaries where the
build would, so the configure step, scripts/build, scripts/lib/deps.sh and
deploy/docker/runtime-packages.sh all run for real. Then the runtime stage's COPY --from=build
sources must exist and its package list must name installed Debian packages.
"""
import fnmatch
import os
import re
import shutil
import subprocess
import sys

REPO, WORK, CLI, AGENT, TARGET = sys.argv[1:6]
BINARIES = {"coordinator/stampede": CLI, "agent/stampede-agent": AGENT, "target/stampede-target": TARGET}
problems = []


def parse(path):
    """[(stage_index, INSTRUCTION, args)] with continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", open(path).read())
    out, stage = [], -1
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instr, _, args = line.partition(" ")
        instr = instr.upper()
        if instr == "FROM":
            stage += 1
        out.append((stage, instr, args.strip()))
    return out


def ignore_patterns(dockerfile):
    path = dockerfile + ".dockerignore"
    if not os.path.exists(path):
        return []
    return [l.strip() for l in open(path) if l.strip() and not l.startswith("#")]


def ignored(rel, is_dir, patterns):
    for p in patterns:
        dir_only = p.endswith("/")
        p = p.rstrip("/")
        if dir_only and not is_dir:
            continue
        if fnmatch.fnmatch(rel, p) or (p.startswith("**/") and fnmatch.fnmatch(os.path.basename(rel), p[3:])):
            return True
    return False


def copy_context(src_rel, dest, patterns):
    src = os.path.normpath(os.path.join(REPO, src_rel))
    if os.path.isfile(src):
        # COPY FILE DEST: DEST is the new file's path unless it is an existing folder.
        target = os.path.join(dest, os.path.basename(src)) if os.path.isdir(dest) else dest
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(src, target)
        return

    def ignore(d, names):
        rel_d = os.path.relpath(d, REPO)
        out = []
        for n in names:
            rel = os.path.normpath(os.path.join(rel_d, n))
            if ignored(rel, os.path.isdir(os.path.join(d, n)), patterns):
                out.append(n)
        return out

    shutil.copytree(src, dest, ignore=ignore, dirs_exist_ok=True, symlinks=True)


def shim(bin_dir):
    os.makedirs(bin_dir, exist_ok=True)
    real = shutil.which("cmake")
    lines = ["#!/usr/bin/env bash", "# Stands in for the compiler: configure is real, --build copies the test build.",
             'if [ "${1:-}" = --build ]; then', '  dir=$2']
    for rel, src in BINARIES.items():
        lines.append(f'  mkdir -p "$dir/{os.path.dirname(rel)}" && cp "{src}" "$dir/{rel}"')
    lines += ['  echo "$@" >>"$dir/.replayed-build"', "  exit 0", "fi", f'exec "{real}" "$@"']
    with open(os.path.join(bin_dir, "cmake"), "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(os.path.join(bin_dir, "cmake"), 0o755)


def rooted(args, root):
    # Absolute paths the stage creates or reads (/src, /runtime-packages) live under root.
    return re.sub(r'(?<![\w.$/-])/(?=(src|runtime-packages)\b)', root + "/", args)


def replay(dockerfile):
    name = os.path.basename(dockerfile).split(".")[0]
    rel_df = os.path.relpath(dockerfile, REPO)
    steps = parse(dockerfile)
    froms = [a for s, i, a in steps if i == "FROM"]
    if len(froms) != 2 or not re.fullmatch(r"debian:12(\S*)? AS build", froms[0]) or not froms[1].startswith("debian:12-slim"):
        problems.append(f"{rel_df}: want `FROM debian:12 AS build` then `FROM debian:12-slim`, got {froms}")
        return
    build = [(i, a) for s, i, a in steps if s == 0]
    final = [(i, a) for s, i, a in steps if s == 1]
    runs = " ".join(a for i, a in build if i == "RUN")
    for must in ("source scripts/lib/deps.sh", 'stampede_install_packages "${STAMPEDE_BUILD_PACKAGES[@]}"',
                 "STAMPEDE_SKIP_DEPS=1 scripts/build release", "deploy/docker/runtime-packages.sh"):
        if must not in runs:
            problems.append(f"{rel_df}: build stage does not run `{must}`")
    users = [a for i, a in final if i == "USER"]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append(f"{rel_df}: runtime stage runs as {users[-1] if users else 'root'}")
    entry = [a for i, a in final if i == "ENTRYPOINT"]

    root = os.path.join(WORK, name)
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    shim(os.path.join(WORK, name + "-shim"))
    env = dict(os.environ, PATH=os.path.join(WORK, name + "-shim") + ":" + os.environ["PATH"],
               DEBIAN_FRONTEND="noninteractive")
    patterns = ignore_patterns(dockerfile)
    cwd = root
    for instr, args in build[1:]:
        if instr == "WORKDIR":
            cwd = os.path.join(root, args.lstrip("/"))
            os.makedirs(cwd, exist_ok=True)
        elif instr == "COPY":
            *srcs, dest = args.split()
            dest_abs = os.path.join(cwd, dest) if not dest.startswith("/") else os.path.join(root, dest.lstrip("/"))
            for s in srcs:
                copy_context(s, dest_abs, patterns)
        elif instr == "RUN":
            r = subprocess.run(["/bin/sh", "-c", rooted(args, root)], cwd=cwd, env=env, capture_output=True, text=True)
            if r.returncode != 0:
                problems.append(f"{rel_df}: RUN {args!r} failed ({r.returncode}): {r.stdout[-1500:]}{r.stderr[-1500:]}")
                return
        elif instr in ("ENV", "ARG"):
            problems.append(f"{rel_df}: replay does not model {instr} in the build stage; extend dockerfile_replay.py")
            return
    if not os.path.exists(os.path.join(root, "src/build/release/.replayed-build")):
        problems.append(f"{rel_df}: the build stage never ran `cmake --build` (scripts/build)")

    # Runtime stage: what it copies from the build stage exists, its packages are real.
    for instr, args in final:
        if instr == "COPY" and args.startswith("--from=build"):
            *srcs, _ = args.split()[1:]
            for s in srcs:
                if not os.path.exists(os.path.join(root, s.lstrip("/"))):
                    problems.append(f"{rel_df}: runtime stage copies {s}, which the build stage did not make")
        if instr == "RUN" and "apt-get install" in args and "$(cat /tmp/runtime-packages)" not in args:
            problems.append(f"{rel_df}: runtime stage does not install the computed runtime packages")
    pkgs_file = os.path.join(root, "runtime-packages")
    pkgs = open(pkgs_file).read().split() if os.path.exists(pkgs_file) else []
    if "libzmq5" not in pkgs or "libprotobuf32" not in pkgs:
        problems.append(f"{rel_df}: runtime packages {pkgs} lack libzmq5/libprotobuf32")
    for p in pkgs:
        if subprocess.run(["dpkg-query", "-W", p], capture_output=True).returncode != 0:
            problems.append(f"{rel_df}: runtime package {p} is not a Debian package here")
    binaries = [s for i, a in final if i == "COPY" and a.startswith("--from=build")
                for s in a.split()[1:-1] if "/build/release/" in s]
    if not entry or not binaries or os.path.basename(binaries[0]) not in entry[0]:
        problems.append(f"{rel_df}: ENTRYPOINT {entry} does not run the binary it copies {binaries}")
    print(f"replayed {rel_df}: {len(build)} build-stage steps, runtime packages: {' '.join(pkgs)}")


dockerfiles = sorted(os.path.join(REPO, "deploy/docker", f) for f in os.listdir(os.path.join(REPO, "deploy/docker"))
                     if f.endswith(".Dockerfile"))
if sorted(os.path.basename(d) for d in dockerfiles) != ["agent.Dockerfile", "coordinator.Dockerfile", "target.Dockerfile"]:
    problems.append(f"deploy/docker holds {dockerfiles}, want one Dockerfile per binary")
for d in dockerfiles:
    replay(d)
for p in problems:
    print("FAIL:", p, file=sys.stderr)
sys.exit(1 if problems else 0)
