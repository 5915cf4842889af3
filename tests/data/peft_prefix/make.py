#!/usr/bin/env python3
"""Writes a small PEFT prefix-tuning checkpoint and, with PyTorch, the per-layer, per-head keys and
values PEFT's get_prompt makes of it: the independent reference for tests/core/io/test_safetensors.cpp.

    python3 tests/data/peft_prefix/make.py tests/data/peft_prefix      # needs python3-torch, numpy

The checkpoint is what PEFT's save_pretrained writes for PrefixTuningConfig(num_virtual_tokens=6,
num_layers=3, num_attention_heads=2, token_dim=8) under grouped-query attention (PEFT has already
set num_attention_heads to the key/value heads): adapter_config.json and adapter_model.safetensors
holding one tensor, prompt_embeddings [6, 3 * 2 * 8], here in bfloat16 as a bf16 model saves it.
The expected arrays follow PEFT's get_prompt (peft/peft_model.py): view the embeddings as
[batch, m, num_layers * 2, heads, token_dim // heads], permute to [2 * layers, batch, heads, m,
head_dim] and split in (key, value) pairs per layer.
"""

import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "examples"))
from _safetensors import write_safetensors  # noqa: E402

M, LAYERS, HEADS, TOKEN_DIM = 6, 3, 2, 8


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    embeddings = (0.5 * torch.randn(M, LAYERS * 2 * TOKEN_DIM)).to(torch.bfloat16)
    bits = embeddings.view(torch.int16).numpy().astype("<i2")
    write_safetensors(out / "adapter_model.safetensors", {"prompt_embeddings": ("BF16", bits)})
    config = {"peft_type": "PREFIX_TUNING", "task_type": "CAUSAL_LM", "num_virtual_tokens": M, "num_layers": LAYERS,
              "num_attention_heads": HEADS, "token_dim": TOKEN_DIM, "prefix_projection": False,
              "num_transformer_submodules": 1, "inference_mode": True}
    (out / "adapter_config.json").write_text(json.dumps(config, indent=2) + "\n")
    # PEFT's get_prompt, batch size 1, in float64 (bf16 converts to float64 exactly).
    past = embeddings.to(torch.float64).unsqueeze(0).view(1, M, LAYERS * 2, HEADS, TOKEN_DIM // HEADS)
    pairs = past.permute([2, 0, 3, 1, 4]).split(2)
    for layer, pair in enumerate(pairs):
        for head in range(HEADS):
            np.save(out / f"expected_layer{layer}_head{head}_K.npy", pair[0, 0, head].numpy())
            np.save(out / f"expected_layer{layer}_head{head}_V.npy", pair[1, 0, head].numpy())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
