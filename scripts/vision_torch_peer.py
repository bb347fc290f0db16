#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""PyTorch transformers peer timings for `robomlx bench vision`.

Builds CLIPModel (openai/clip-vit-base-patch32 sizes) and SamModel (facebook/sam-vit-base sizes,
SamConfig's defaults) with random weights, and times the rows of bench/vision/vision_bench.cpp
with the same inputs, under torch.inference_mode, synchronising the device around every
iteration (median of --repeats after --warmup; stops repeating after --max-seconds per row):

  clip ViT-B/32 image embeddings b1 / b64   vision_model -> visual_projection -> L2 normalise
  clip ViT-B/32 text embeddings b64          64 x 77 ids, EOS at positions 10..69, padding masked
  sam ViT-B image encoder 1024x1024          get_image_embeddings
  sam ViT-B mask decoder 1 / 64 prompts      SamModel(image_embeddings=..., input_points, input_labels,
                                             multimask_output=True): prompt encoder + mask decoder

float32 and bfloat16 on CUDA, float32 on the CPU; TF32 off (as robomlx's GPU runs). Prints a
table and writes JSON (--json) in the layout of `robomlx bench --json` results, impl "torch".
"""
import argparse
import json
import statistics
import time

# torch and transformers are imported in main(), after the arguments: --help works without them.
torch = transformers = None


def timed(fn, dev, warmup, repeats, max_seconds):
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    for _ in range(warmup):
        fn()
    sync()
    times, start = [], time.perf_counter()
    for i in range(repeats):
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - t0) * 1e3)
        if i >= 2 and time.perf_counter() - start > max_seconds:
            break
    return statistics.median(times), min(times), len(times)


def clip_model(dev, dtype):
    from transformers import CLIPConfig, CLIPModel
    cfg = CLIPConfig(
        text_config=dict(hidden_size=512, intermediate_size=2048, num_hidden_layers=12, num_attention_heads=8,
                         max_position_embeddings=77, vocab_size=49408, eos_token_id=49407, hidden_act="quick_gelu"),
        vision_config=dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                           image_size=224, patch_size=32, hidden_act="quick_gelu"),
        projection_dim=512)
    return CLIPModel(cfg).eval().to(dev, dtype)


def rows(args, dev, dtype):
    out = []
    name = {torch.float32: "float32", torch.bfloat16: "bfloat16"}[dtype]

    def run(label, fn, metric, per):
        med, best, n = timed(fn, dev, args.warmup, args.repeats, args.max_seconds)
        row = {"name": f"{label} {name}", "impl": "torch", "device": str(dev), "median_ms": med, "min_ms": best,
               "samples": n, "metrics": {metric: per(med)}}
        print(f"{row['name']:<48} {med:10.3f} ms  {metric}={per(med):.4g}", flush=True)
        out.append(row)

    torch.manual_seed(0)
    clip = clip_model(dev, dtype)
    with torch.inference_mode():
        for b in (1, 64):
            px = torch.randn(b, 3, 224, 224, device=dev, dtype=dtype)
            f = lambda px=px: torch.nn.functional.normalize(clip.visual_projection(clip.vision_model(pixel_values=px).pooler_output), dim=-1)
            run(f"clip ViT-B/32 image embeddings b{b}", f, "images_per_s", lambda ms, b=b: b * 1000.0 / ms)
        ids = torch.randint(0, 49406, (64, 77), device=dev)
        pos = torch.arange(77, device=dev)[None, :]
        eos_at = (torch.arange(64, device=dev) % 60 + 10)[:, None]
        ids = torch.where(pos >= eos_at, torch.full_like(ids, 49407), ids)
        mask = (pos <= eos_at).long()
        f = lambda: torch.nn.functional.normalize(clip.text_projection(clip.text_model(input_ids=ids, attention_mask=mask).pooler_output), dim=-1)
        run("clip ViT-B/32 text embeddings b64", f, "texts_per_s", lambda ms: 64 * 1000.0 / ms)
    del clip

    from transformers import SamConfig, SamModel
    sam = SamModel(SamConfig()).eval().to(dev, dtype)
    with torch.inference_mode():
        px = torch.randn(1, 3, 1024, 1024, device=dev, dtype=dtype)
        run("sam ViT-B image encoder 1024x1024", lambda: sam.get_image_embeddings(px), "ms_per_image", lambda ms: ms)
        emb = sam.get_image_embeddings(px)
        for p in (1, 64):
            pts = torch.rand(1, p, 1, 2, device=dev, dtype=dtype) * 1024
            lab = torch.ones(1, p, 1, device=dev, dtype=torch.long)
            f = lambda pts=pts, lab=lab: sam(image_embeddings=emb, input_points=pts, input_labels=lab, multimask_output=True).pred_masks
            run(f"sam ViT-B mask decoder {p} prompt{'s' if p > 1 else ''}", f, "ms_per_prompt", lambda ms, p=p: ms / p)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--max-seconds", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads on the CPU (0: torch's default)")
    ap.add_argument("--json")
    args = ap.parse_args()
    global torch, transformers
    import torch
    import transformers
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    if args.threads:
        torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, device {dev}"
          + (f" ({torch.cuda.get_device_name(0)})" if dev.type == "cuda"
             else f", {torch.get_num_threads()} threads (intra-op; {torch.get_num_interop_threads()} inter-op)"), flush=True)
    results = []
    for dtype in ([torch.float32, torch.bfloat16] if dev.type == "cuda" else [torch.float32]):
        results += rows(args, dev, dtype)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch.__version__, "transformers": transformers.__version__, "device": str(dev),
                       "threads": torch.get_num_threads() if dev.type == "cpu" else None,
                       "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
