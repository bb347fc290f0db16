# SPDX-License-Identifier: Apache-2.0
# bench.py TREE [RUNS]: wall time of the lean robomlx-port-scan against rg with the seed's two
# patterns on one tree, 2 threads each, warm page cache. The commands run interleaved (A B C D,
# A B C D, ...) so that load from other jobs on a shared machine hits all of them alike; medians
# and quartiles are printed, and the ratio port-scan / rg of the medians. ROBOMLX_PORT_SCAN picks
# the binary (default: the build's), ROBOMLX_PORT_SCAN_BASE adds an earlier one as a fifth row.
import os, statistics, subprocess, sys, time

tree = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 15
L = os.environ.get("ROBOMLX_PORT_SCAN", "build/apps/robomlx-port-scan/robomlx-port-scan")
globs = []
for g in ["*.py", "*.pyi", "*.c", "*.h", "*.cc", "*.cpp", "*.cxx", "*.hpp", "*.hh", "*.hxx", "*.inl", "*.ipp", "*.tpp", "*.cu", "*.cuh",
          "*.cmake", "CMakeLists.txt", "pyproject.toml", "setup.cfg", "requirements*.txt", "config.pbtxt"]:
    globs += ["-g", g]
P1 = r"torch\.cuda|import warp|from warp|import omni|from omni|import carb|from carb|import pxr|from pxr|import isaacsim|from isaacsim"
P2 = r"V4L2|v4l2|linux/videodev|ioctl|VIDIOC_"
rg = ["rg", "-n", "-j2"]
commands = {
    # The seed's method as its authors ran it: two rg commands over the whole tree.
    "rg, seed's 2 patterns, whole tree (2 runs)": [rg + [P1, tree], rg + [P2, tree]],
    # The same two patterns over the file names port-scan reads (its languages).
    "rg, seed's 2 patterns, port-scan's files (2 runs)": [rg + globs + [P1, tree], rg + globs + [P2, tree]],
    # The strictest floor: both patterns in one rg pass over those files.
    "rg, both patterns in 1 run, port-scan's files": [rg + globs + [P1 + "|" + P2, tree]],
    "robomlx-port-scan --jobs 2": [[L, tree, "--jobs", "2", "--quiet"]],  # text report, as rg prints text
}
if os.environ.get("ROBOMLX_PORT_SCAN_BASE"):  # an earlier build, for the gain of a change
    commands["earlier robomlx-port-scan --jobs 2"] = [[os.environ["ROBOMLX_PORT_SCAN_BASE"], tree, "--jobs", "2", "--quiet"]]
subprocess.run(["sh", "-c", f"find '{tree}' -type f -exec cat {{}} + > /dev/null"])  # warm the page cache
times = {k: [] for k in commands}
for r in range(runs + 1):
    for k, cmds in commands.items():
        t0 = time.perf_counter()
        for c in cmds:
            p = subprocess.run(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if p.returncode not in (0, 1):
                sys.exit(f"{c[0]} failed: {p.returncode}")
        if r > 0:  # the first round is a warm-up
            times[k].append(time.perf_counter() - t0)
summary = subprocess.run([L, tree, "--jobs", "2", "--quiet", "--format", "text"], capture_output=True, text=True).stdout
print([l for l in summary.splitlines() if l.startswith("port-scan:")][-1])
med = {}
for k, v in times.items():
    q = statistics.quantiles(v, n=4)
    med[k] = statistics.median(v)
    print(f"{k:52s} median {med[k]:.3f} s  (quartiles {q[0]:.3f}-{q[2]:.3f}, {len(v)} runs)")
ps = med["robomlx-port-scan --jobs 2"]
for k in list(commands)[:3]:
    print(f"port-scan / [{k}] = {ps / med[k]:.2f}")
