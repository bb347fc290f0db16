# SPDX-License-Identifier: Apache-2.0
# rg with the seed's patterns against port-scan on one tree: every rg hit line is either a line
# port-scan reports, or not; those not are classified (comment, string, other). Usage: fp_vs_rg.py TREE
import collections, json, os, re, subprocess, sys
tree = sys.argv[1]
B = os.environ.get("ROBOMLX", "build/apps/robomlx/robomlx")
globs = []
for g in ["*.py", "*.pyi", "*.c", "*.h", "*.cc", "*.cpp", "*.cxx", "*.hpp", "*.hh", "*.hxx", "*.inl", "*.ipp", "*.tpp", "*.cu", "*.cuh",
          "*.cmake", "CMakeLists.txt", "pyproject.toml", "setup.cfg", "requirements*.txt", "config.pbtxt"]:
    globs += ["-g", g]
P1 = r"torch\.cuda|import warp|from warp|import omni|from omni|import carb|from carb|import pxr|from pxr|import isaacsim|from isaacsim"
P2 = r"V4L2|v4l2|linux/videodev|ioctl|VIDIOC_"
hits = []
for p in (P1, P2):
    out = subprocess.run(["rg", "-n", "--no-heading", "-j2"] + globs + [p, tree], capture_output=True, text=True, errors="replace").stdout
    for line in out.splitlines():
        f, n, text = line.split(":", 2)
        hits.append((f, int(n), text, p))
d = json.loads(subprocess.run([B, "port-scan", tree, "--format", "json", "--quiet", "--jobs", "2"], capture_output=True, text=True).stdout)
lines = collections.defaultdict(list)
for f in d["findings"]:
    lines[(f["file"], f["line"])].append(f)
kinds = collections.Counter()
samples = collections.defaultdict(list)
for f, n, text, p in set((h[0], h[1], h[2], h[3]) for h in hits):
    if (f, n) in lines:
        kinds["reported by port-scan"] += 1
        continue
    s = text.strip()
    m = re.search(p, text)
    before = text[:m.start()] if m else ""
    if s.startswith(("#", "//", "*", "/*")) or "//" in before or (" #" in before and not before.count('"') % 2):
        k = "comment"
    elif before.count('"') % 2 or before.count("'") % 2 or s.startswith(('"', "'")):
        k = "string"
    else:
        k = "other (docstring body, identifier, ...)"
    kinds[k] += 1
    if len(samples[k]) < 4:
        samples[k].append(f"{f}:{n}: {s[:110]}")
print("rg hit lines:", len(set((h[0], h[1]) for h in hits)), dict(kinds))
print("port-scan findings:", len(d["findings"]), "in", d["files_scanned"], "files;", {k: v["findings"] for k, v in d["summary"]["buckets"].items()})
for k, v in samples.items():
    print("--", k)
    for s in v:
        print("  ", s)
