#!/usr/bin/env python3
"""Benchmark the checksum plugin against sha256sum and sha512sum.

This is a program a developer runs by hand, not a test. In one run it:

  1. writes a data workspace under bench/out/checksum/: one large file of
     random bytes (default 1 GiB) and many small ones (default 20,000 x 4 KiB
     in folders of 1,000), and reads them all once so the page cache is warm;
  2. for each algorithm (sha256, sha512) and each data set (one large file,
     many small files), times the coreutils tool (one process over all the
     files, its output to a file) and `taskr run` of a pipeline with one
     checksum.<algorithm> task over the same files, interleaved, `--repeat`
     times; it checks that both wrote the same sums file byte for byte;
  3. times the cost of a plugin task: 200 independent `uses = "checksum"`
     tasks that each hash one tiny file, against 200 `run = "true"` tasks
     through `sh -c`, both with --jobs 2;
  4. prints medians and ratios: tool time / taskr time, so over 1 means
     taskr was faster.

At most two processes' worth of CPU run at once (the plugin hashes on one
thread per core; taskr runs with --jobs 2), as the machine has two cores.

Python 3 standard library only. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TASKR = "build/runner/taskr"
DEFAULT_OUT = REPO_ROOT / "bench" / "out" / "checksum"
BUILD_HINT = "cmake -S . -B build -G Ninja && cmake --build build"
ALGORITHMS = ("sha256", "sha512")
CHUNK = 1 << 20  # bytes written per os.urandom call
SMALL_PER_FOLDER = 1000
OVERHEAD_TASKS = 200
JOBS = 2


# --------------------------------------------------------------------------
# Data


def write_big(path: Path, mb: int) -> None:
    """Writes `mb` MiB of random bytes to `path`, unless it already has that size."""
    if path.exists() and path.stat().st_size == mb * CHUNK:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        for _ in range(mb):
            f.write(os.urandom(CHUNK))


def small_paths(count: int) -> list[str]:
    """The small files' workspace-relative paths, in sorted order."""
    return [f"small/d{i // SMALL_PER_FOLDER:03d}/f{i:06d}.bin" for i in range(count)]


def write_small(root: Path, count: int, kb: int) -> list[str]:
    """Writes the small files (reusing a previous set of the same shape)."""
    paths = small_paths(count)
    marker = root / "small" / f".shape-{count}x{kb}"
    if not marker.exists():
        shutil.rmtree(root / "small", ignore_errors=True)
        for rel in paths:
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(os.urandom(kb * 1024))
        marker.write_text("")
    return paths


def warm(root: Path, paths: list[str]) -> None:
    """Reads every file once so all runners start from a warm page cache."""
    for rel in paths:
        with open(root / rel, "rb") as f:
            while f.read(CHUNK):
                pass


def write_sums_pipeline(root: Path) -> None:
    """One task per algorithm and data set; sums files at the workspace root,
    so their paths are written exactly as sha256sum prints its arguments."""
    lines = []
    for algo in ALGORITHMS:
        lines += [
            f"[tasks.big_{algo}]",
            f'uses = "checksum.{algo}"',
            f'with = {{ files = ["big.bin"], output = "big.{algo}.taskr" }}',
            "",
            f"[tasks.small_{algo}]",
            f'uses = "checksum.{algo}"',
            f'with = {{ files = ["small/**"], output = "small.{algo}.taskr" }}',
            "",
        ]
    (root / "pipeline.toml").write_text("\n".join(lines))


def write_overhead_pipelines(base: Path) -> tuple[Path, Path]:
    """Two workspaces of OVERHEAD_TASKS independent tasks: checksum and `true`."""
    plugin, run = base / "plugin", base / "run"
    for d in (plugin, run):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    tiny = plugin / "tiny"
    tiny.mkdir()
    p_lines = ['[defaults]', 'shell = "sh -c"', ""]
    r_lines = ['[defaults]', 'shell = "sh -c"', ""]
    for i in range(OVERHEAD_TASKS):
        (tiny / f"t{i}.txt").write_text(f"{i}\n")
        p_lines += [
            f"[tasks.c{i}]",
            'uses = "checksum"',
            f'with = {{ files = ["tiny/t{i}.txt"], output = "sums/t{i}.SHA256SUMS" }}',
            "",
        ]
        r_lines += [f"[tasks.r{i}]", 'run = "true"', ""]
    names = lambda prefix: ", ".join(f'"{prefix}{i}"' for i in range(OVERHEAD_TASKS))
    p_lines += ["[pipelines.all]", f"tasks = [{names('c')}]", ""]
    r_lines += ["[pipelines.all]", f"tasks = [{names('r')}]", ""]
    (plugin / "pipeline.toml").write_text("\n".join(p_lines))
    (run / "pipeline.toml").write_text("\n".join(r_lines))
    return plugin, run


# --------------------------------------------------------------------------
# Timing


def timed(argv: list[str], cwd: Path, stdout: Path, timeout: float) -> float:
    """Runs argv with stdout to a file and returns the wall time in seconds;
    exits the script when the command fails."""
    with open(stdout, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.run(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
        elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        tail = stdout.read_text(errors="replace")[-2000:]
        sys.exit(f"{' '.join(argv[:3])}… failed with exit code {proc.returncode} in {cwd}:\n{tail}")
    return elapsed


def clean_taskr_state(workspace: Path) -> None:
    shutil.rmtree(workspace / ".taskr", ignore_errors=True)


def compare_sums(root: Path, tool_out: Path, taskr_out: Path) -> str:
    """'same' when both sums files are byte-identical, else a short diff note."""
    a, b = tool_out.read_bytes(), taskr_out.read_bytes()
    if a == b:
        return "same"
    return f"DIFFERENT ({tool_out.name}: {len(a)} bytes, {taskr_out.name}: {len(b)} bytes)"


def measure_sums(args, taskr: Path, root: Path, datasets: dict[str, list[str]]) -> list[dict]:
    rows = []
    for algo in ALGORITHMS:
        tool = shutil.which(f"{algo}sum")
        for name, files in datasets.items():
            tool_out = root / f"{name}.{algo}.tool"
            taskr_out = root / f"{name}.{algo}.taskr"
            tool_times, taskr_times = [], []
            for _ in range(args.repeat):
                # Taking turns inside each repeat spreads slow drift over both.
                tool_times.append(timed([tool, *files], root, tool_out, args.timeout))
                clean_taskr_state(root)
                taskr_times.append(
                    timed([str(taskr), "-C", str(root), "run", f"{name}_{algo}", "--jobs", str(JOBS)],
                          root, root / f"taskr-{name}-{algo}.log", args.timeout))
            tool_s, taskr_s = statistics.median(tool_times), statistics.median(taskr_times)
            rows.append({
                "algorithm": algo, "data": name, "files": len(files),
                "tool_s": tool_s, "taskr_s": taskr_s, "ratio": tool_s / taskr_s,
                "same_output": compare_sums(root, tool_out, taskr_out),
                "tool_samples": tool_times, "taskr_samples": taskr_times,
            })
    return rows


def measure_overhead(args, taskr: Path, plugin_ws: Path, run_ws: Path) -> dict:
    samples = {"plugin": [], "run": []}
    for _ in range(args.repeat):
        for kind, ws in (("plugin", plugin_ws), ("run", run_ws)):
            clean_taskr_state(ws)
            samples[kind].append(
                timed([str(taskr), "-C", str(ws), "run", "all", "--jobs", str(JOBS)], ws,
                      ws.parent / f"taskr-{kind}.log", args.timeout))
    plugin_ms = statistics.median(samples["plugin"]) * 1000 / OVERHEAD_TASKS
    run_ms = statistics.median(samples["run"]) * 1000 / OVERHEAD_TASKS
    return {"tasks": OVERHEAD_TASKS, "jobs": JOBS, "plugin_ms_per_task": plugin_ms,
            "run_ms_per_task": run_ms, "difference_ms": plugin_ms - run_ms, "samples": samples}


# --------------------------------------------------------------------------
# Report


def first_line(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout
        return out.splitlines()[0] if out else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def cpu_flags() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "?"
    flags = next((l.split(":", 1)[1].split() for l in text.splitlines() if l.startswith("flags")), [])
    return " ".join(f for f in ("sha_ni", "avx2", "avx512f") if f in flags) or "none of sha_ni/avx2"


def print_report(args, rows: list[dict], overhead: dict | None) -> None:
    print()
    print(f"{'algorithm':<9} {'data':<28} {'tool s':>8} {'taskr s':>8} {'tool/taskr':>10}  output")
    for r in rows:
        label = (f"1 file x {args.big_mb} MiB" if r["data"] == "big"
                 else f"{r['files']} files x {args.small_kb} KiB")
        print(f"{r['algorithm']:<9} {label:<28} {r['tool_s']:>8.3f} {r['taskr_s']:>8.3f} "
              f"{r['ratio']:>10.2f}  {r['same_output']}")
    print("tool/taskr over 1: taskr was faster (median of "
          f"{args.repeat}; taskr's time includes start-up, loading the plugin and writing outputs)")
    if overhead:
        print()
        print(f"per-task cost, {overhead['tasks']} independent tasks, --jobs {overhead['jobs']}:")
        print(f"  uses = \"checksum\" (one tiny file each): {overhead['plugin_ms_per_task']:6.2f} ms/task")
        print(f"  run = \"true\" (sh -c):                   {overhead['run_ms_per_task']:6.2f} ms/task")
        print(f"  difference:                             {overhead['difference_ms']:+6.2f} ms/task")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--taskr", default=DEFAULT_TASKR, help="taskr binary; relative to the repo root")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="where data and pipelines are written")
    ap.add_argument("--big-mb", type=int, default=1024, help="size of the large file in MiB")
    ap.add_argument("--small-count", type=int, default=20000, help="number of small files")
    ap.add_argument("--small-kb", type=int, default=4, help="size of each small file in KiB")
    ap.add_argument("--repeat", type=int, default=3, help="measured runs; the median is shown")
    ap.add_argument("--no-overhead", action="store_true", help="skip the per-task measurement")
    ap.add_argument("--json", help="also write every sample and the medians to this file")
    ap.add_argument("--timeout", type=float, default=600, help="kill a single run after S seconds")
    args = ap.parse_args()

    taskr = Path(args.taskr)
    if not taskr.is_absolute():
        taskr = REPO_ROOT / taskr
    if not taskr.exists():
        print(f"no taskr binary at {taskr}; build it with: {BUILD_HINT}", file=sys.stderr)
        return 2
    plugin = taskr.parent / "plugins" / "taskr-checksum.so"
    if not plugin.exists():
        print(f"no checksum plugin at {plugin}; build the tree with: {BUILD_HINT}", file=sys.stderr)
        return 2
    missing = [t for t in ("sha256sum", "sha512sum") if not shutil.which(t)]
    if missing:
        print(f"missing {', '.join(missing)} (GNU coreutils)", file=sys.stderr)
        return 2

    out = Path(args.out).resolve()
    root = out / "data"
    root.mkdir(parents=True, exist_ok=True)
    print(f"taskr:      {first_line([str(taskr), '--version'])} ({taskr})")
    print(f"peers:      {first_line(['sha256sum', '--version'])}; OpenSSL {first_line(['openssl', 'version'])}")
    print(f"machine:    {platform.machine()}, {os.cpu_count()} CPUs, flags: {cpu_flags()}, "
          f"load {os.getloadavg()[0]:.2f}")
    print(f"data:       {root}")

    print(f"writing 1 file of {args.big_mb} MiB and {args.small_count} files of {args.small_kb} KiB…",
          flush=True)
    write_big(root / "big.bin", args.big_mb)
    small = write_small(root, args.small_count, args.small_kb)
    arg_bytes = sum(len(p) + 1 for p in small)
    if arg_bytes > os.sysconf("SC_ARG_MAX") // 2:
        print(f"{args.small_count} paths do not fit on one command line; use fewer", file=sys.stderr)
        return 2
    write_sums_pipeline(root)
    warm(root, ["big.bin", *small])

    rows = measure_sums(args, taskr, root, {"big": ["big.bin"], "small": small})
    overhead = None
    if not args.no_overhead:
        plugin_ws, run_ws = write_overhead_pipelines(out / "overhead")
        overhead = measure_overhead(args, taskr, plugin_ws, run_ws)
    print_report(args, rows, overhead)

    if args.json:
        Path(args.json).write_text(json.dumps(
            {"args": vars(args), "cpus": os.cpu_count(), "cpu_flags": cpu_flags(),
             "sums": rows, "overhead": overhead}, indent=2))
    return 1 if any(r["same_output"] != "same" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
