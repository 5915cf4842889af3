#!/usr/bin/env python3
"""A real trained prefix to try NTK-Attention on, made here in a few CPU minutes.

    python3 examples/tiny_model/make.py --out tiny          # needs python3-torch (and numpy)
    ntk-explorer heads --checkpoint tiny/checkpoint --activations tiny/activations.safetensors --causal

1. Trains a small causal transformer on bytes of the GPL-3 text Debian ships
   (/usr/share/common-licenses/GPL-3): 4 layers, d_model 128, 4 query heads of width 32 and 2
   key/value heads (grouped-query attention), no positional encoding inside attention (learned
   absolute position embeddings on the input), pre-LayerNorm blocks.
2. Freezes it and prefix-tunes it on the LGPL-2.1 text as PEFT's prefix tuning does: one trained
   embedding of m virtual tokens, prompt_embeddings [m, layers * 2 * token_dim] with token_dim =
   kv_heads * head_dim, viewed as [m, layers * 2, kv_heads, head_dim] (layer l's keys block 2 l,
   its values 2 l + 1), each layer's prefix keys and values put before the input's and never
   masked.
3. Writes what PEFT's save_pretrained would (checkpoint/adapter_config.json and
   checkpoint/adapter_model.safetensors, float32) and the attention inputs of every layer on a
   held-out LGPL passage (activations.safetensors: layers.<l>.queries [heads, L, head_dim],
   layers.<l>.keys and layers.<l>.values [kv_heads, L, head_dim]).
4. Computes, independently of the program and in float64, exact prefix attention and
   NTK-Attention with the Taylor map of degree g for every layer and head, written out from the
   kernel: the prefix weight of key j is sum_{t <= g} s_j^t / t! with s_j = <q, k_j> / sqrt(d),
   instead of exp(s_j); no feature map is formed. reference.safetensors holds both outputs per
   degree, reference.json their errors (relative Frobenius and max-abs) and the exact prefix mass.

tests/data/tiny_model is this script's output with --quick (made in well under a minute) and
is what the tests and the lessons read. Everything is seeded: the same command gives the same
files on the same PyTorch.
"""

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _safetensors import write_safetensors  # noqa: E402

LICENSES = Path("/usr/share/common-licenses")
LAYERS, D_MODEL, HEADS, KV_HEADS, HEAD_DIM, CONTEXT = 4, 128, 4, 2, 32, 64
DEGREES = (1, 2, 4)


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.q = nn.Linear(D_MODEL, HEADS * HEAD_DIM, bias=False)
        self.k = nn.Linear(D_MODEL, KV_HEADS * HEAD_DIM, bias=False)
        self.v = nn.Linear(D_MODEL, KV_HEADS * HEAD_DIM, bias=False)
        self.o = nn.Linear(HEADS * HEAD_DIM, D_MODEL, bias=False)

    def forward(self, x, prefix=None, capture=None):
        B, L, _ = x.shape
        q = self.q(x).view(B, L, HEADS, HEAD_DIM).transpose(1, 2)  # B, heads, L, head_dim
        k = self.k(x).view(B, L, KV_HEADS, HEAD_DIM).transpose(1, 2)
        v = self.v(x).view(B, L, KV_HEADS, HEAD_DIM).transpose(1, 2)
        if capture is not None:
            capture.append((q[0].detach(), k[0].detach(), v[0].detach()))
        m = 0
        if prefix is not None:  # B, kv_heads, m, head_dim each
            m = prefix[0].shape[2]
            k = torch.cat([prefix[0].expand(B, -1, -1, -1), k], dim=2)
            v = torch.cat([prefix[1].expand(B, -1, -1, -1), v], dim=2)
        group = HEADS // KV_HEADS  # query head h reads key/value head h // group (repeat_kv)
        k, v = k.repeat_interleave(group, dim=1), v.repeat_interleave(group, dim=1)
        scores = q @ k.transpose(-1, -2) / math.sqrt(HEAD_DIM)
        hidden = torch.ones(L, L, dtype=torch.bool, device=x.device).triu(1)  # input key j > query i
        mask = torch.cat([torch.zeros(L, m, dtype=torch.bool), hidden], dim=1)
        out = scores.masked_fill(mask, float("-inf")).softmax(-1) @ v
        return self.o(out.transpose(1, 2).reshape(B, L, HEADS * HEAD_DIM))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(D_MODEL), nn.LayerNorm(D_MODEL)
        self.attention = Attention()
        self.mlp = nn.Sequential(nn.Linear(D_MODEL, 4 * D_MODEL), nn.GELU(), nn.Linear(4 * D_MODEL, D_MODEL))

    def forward(self, x, prefix=None, capture=None):
        x = x + self.attention(self.ln1(x), prefix, capture)
        return x + self.mlp(self.ln2(x))


class TinyModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens = nn.Embedding(256, D_MODEL)
        self.positions = nn.Embedding(CONTEXT, D_MODEL)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.ln = nn.LayerNorm(D_MODEL)
        self.head = nn.Linear(D_MODEL, 256, bias=False)

    def forward(self, ids, prompt=None, capture=None):
        x = self.tokens(ids) + self.positions(torch.arange(ids.shape[1]))
        prefixes = layer_prefixes(prompt) if prompt is not None else [None] * LAYERS
        for block, prefix in zip(self.blocks, prefixes):
            x = block(x, prefix, capture)
        return self.head(self.ln(x))


def layer_prefixes(prompt):
    """PEFT's get_prompt: [m, layers * 2 * token_dim] viewed as [1, m, layers * 2, kv_heads,
    head_dim], permuted to [layers * 2, 1, kv_heads, m, head_dim] and split in (keys, values)."""
    m = prompt.shape[0]
    past = prompt.unsqueeze(0).view(1, m, LAYERS * 2, KV_HEADS, HEAD_DIM).permute([2, 0, 3, 1, 4])
    return [(past[2 * layer], past[2 * layer + 1]) for layer in range(LAYERS)]


def text_bytes(name):
    return torch.tensor(list((LICENSES / name).read_bytes()), dtype=torch.long)


def batches(data, steps, batch, generator):
    for _ in range(steps):
        starts = torch.randint(0, len(data) - CONTEXT - 1, (batch,), generator=generator)
        windows = torch.stack([data[s : s + CONTEXT + 1] for s in starts])
        yield windows[:, :-1], windows[:, 1:]


def train(parameters, loss_of, data, steps, rate, generator, what):
    optimizer = torch.optim.AdamW(parameters, lr=rate, weight_decay=0.0)
    start = time.monotonic()
    for step, (ids, targets) in enumerate(batches(data, steps, 32, generator)):
        loss = loss_of(ids, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % max(1, steps // 5) == 0 or step == steps - 1:
            print(f"{what}: step {step + 1}/{steps}, loss {loss.item():.3f} nats/byte "
                  f"({time.monotonic() - start:.0f} s)", flush=True)


def reference(captured, prompt, degrees):
    """Exact prefix attention and the Taylor kernels' NTK-Attention per layer and head, float64."""
    exact, approx, metrics = [], {g: [] for g in degrees}, []
    for layer, ((q, k, v), (kp, vp)) in enumerate(zip(captured, layer_prefixes(prompt))):
        q, k, v = q.double(), k.double(), v.double()
        kp, vp = kp[0].double(), vp[0].double()  # kv_heads, m, head_dim
        L = q.shape[1]
        hidden = torch.ones(L, L, dtype=torch.bool).triu(1)
        layer_exact, layer_approx = [], {g: [] for g in degrees}
        for head in range(HEADS):
            g_head = head // (HEADS // KV_HEADS)
            s_prefix = q[head] @ kp[g_head].T / math.sqrt(HEAD_DIM)
            s_input = (q[head] @ k[g_head].T / math.sqrt(HEAD_DIM)).masked_fill(hidden, float("-inf"))
            weights = torch.cat([s_prefix, s_input], dim=1).softmax(-1)
            out = weights @ torch.cat([vp[g_head], v[g_head]])
            layer_exact.append(out)
            row = {"layer": layer, "head": head, "kv_head": g_head,
                   "exact_prefix_mass": weights[:, : s_prefix.shape[1]].sum(1).mean().item()}
            a = s_input.exp()
            for g in degrees:
                w = sum(s_prefix**t / math.factorial(t) for t in range(g + 1))
                t_out = (w @ vp[g_head] + a @ v[g_head]) / (w.sum(1) + a.sum(1)).unsqueeze(1)
                layer_approx[g].append(t_out)
                diff = t_out - out
                row[f"taylor{g}_rel_fro"] = (diff.norm() / out.norm()).item()
                row[f"taylor{g}_max_abs"] = diff.abs().max().item()
            metrics.append(row)
        exact.append(torch.stack(layer_exact))
        for g in degrees:
            approx[g].append(torch.stack(layer_approx[g]))
    return torch.stack(exact), {g: torch.stack(a) for g, a in approx.items()}, metrics


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for checkpoint/, activations and reference")
    parser.add_argument("--m", type=int, default=32, help="virtual tokens of the prefix (default 32)")
    parser.add_argument("--quick", action="store_true", help="few training steps: the copy under tests/data")
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(os.cpu_count() or 1)
    generator = torch.Generator().manual_seed(0)
    model_steps, prefix_steps = (150, 100) if args.quick else (400, 200)

    model = TinyModel()
    gpl = text_bytes("GPL-3")
    train(model.parameters(), lambda i, t: F.cross_entropy(model(i).flatten(0, 1), t.flatten()), gpl, model_steps,
          3e-3, generator, "model on GPL-3")
    for p in model.parameters():
        p.requires_grad_(False)

    lgpl = text_bytes("LGPL-2.1")
    split = int(0.85 * len(lgpl))  # the passage is held out of the prefix's training
    token_dim = KV_HEADS * HEAD_DIM
    prompt = nn.Parameter(torch.randn(args.m, LAYERS * 2 * token_dim))  # PEFT's nn.Embedding: N(0, 1)
    train([prompt], lambda i, t: F.cross_entropy(model(i, prompt).flatten(0, 1), t.flatten()), lgpl[:split],
          prefix_steps, 1e-2, generator, f"prefix of m = {args.m} on LGPL-2.1")
    prompt = prompt.detach()

    passage = lgpl[split : split + CONTEXT].unsqueeze(0)
    captured = []
    with torch.no_grad():
        held_out = F.cross_entropy(model(passage[:, :-1], prompt).flatten(0, 1), passage[0, 1:]).item()
        without = F.cross_entropy(model(passage[:, :-1]).flatten(0, 1), passage[0, 1:]).item()
        model(passage, prompt, captured)
    print(f"held-out passage: {held_out:.3f} nats/byte with the prefix, {without:.3f} without")

    out = args.out
    (out / "checkpoint").mkdir(parents=True, exist_ok=True)
    write_safetensors(out / "checkpoint" / "adapter_model.safetensors",
                      {"prompt_embeddings": ("F32", prompt.numpy().astype("<f4"))})
    config = {"peft_type": "PREFIX_TUNING", "task_type": "CAUSAL_LM", "num_virtual_tokens": args.m,
              "num_layers": LAYERS, "num_attention_heads": KV_HEADS, "token_dim": token_dim,
              "prefix_projection": False, "num_transformer_submodules": 1, "inference_mode": True}
    (out / "checkpoint" / "adapter_config.json").write_text(json.dumps(config, indent=2) + "\n")
    tensors = {}
    for layer, (q, k, v) in enumerate(captured):
        for role, t in (("queries", q), ("keys", k), ("values", v)):
            tensors[f"layers.{layer}.{role}"] = ("F32", t.numpy().astype("<f4"))
    write_safetensors(out / "activations.safetensors", tensors,
                      {"format": "pt", "passage": "LGPL-2.1 bytes %d to %d" % (split, split + CONTEXT)})

    # The reference reads exactly the float32 numbers written, as the program does.
    exact, approx, metrics = reference(captured, prompt, DEGREES)
    ref = {"exact": ("F64", exact.numpy().astype("<f8"))}
    for g, a in approx.items():
        ref[f"taylor{g}"] = ("F64", a.numpy().astype("<f8"))
    write_safetensors(out / "reference.safetensors", ref, {"format": "pt", "layout": "[layers, heads, L, head_dim]"})
    summary = {"model": {"layers": LAYERS, "d_model": D_MODEL, "heads": HEADS, "kv_heads": KV_HEADS,
                         "head_dim": HEAD_DIM, "L": CONTEXT, "m": args.m, "model_steps": model_steps,
                         "prefix_steps": prefix_steps, "torch": torch.__version__,
                         "held_out_loss_with_prefix": held_out, "held_out_loss_without": without},
               "causal": True, "heads": metrics}
    (out / "reference.json").write_text(json.dumps(summary, indent=1) + "\n")
    worst = {g: max(r[f"taylor{g}_rel_fro"] for r in metrics) for g in DEGREES}
    print("wrote checkpoint/ activations.safetensors reference.safetensors reference.json to", out)
    print("largest relative error over the heads:", ", ".join(f"Taylor g = {g}: {e:.3g}" for g, e in worst.items()))


if __name__ == "__main__":
    main()
