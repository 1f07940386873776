#!/usr/bin/env python3
"""Reference values for the Java GPT-2 decoder (org.adamix.model.decoder.Gpt2Decoder), from plain PyTorch.

GPT-2's forward pass is written out below from the paper and Hugging Face's documented layout (no transformers
import): x = wte[ids] + wpe[pos]; per block a = x + c_proj(causal_attention(c_attn(ln_1(x)))),
x = a + mlp.c_proj(gelu_new(mlp.c_fc(ln_2(a)))); logits = ln_f(x)·wteᵀ (tied). HF's Conv1D computes
y = x·W + b with W stored [in, out], so the weights below are kept, used and saved in that layout.

  experiments/gpt2_reference.py [OUT_DIR]   writes (default: model/src/test/resources/gpt2-tiny)
      config.json        a tiny GPT-2 config as transformers writes it (n_inner null: 4·n_embd)
      model.safetensors  random weights as a GPT2LMHeadModel checkpoint: "transformer." prefix, the
                         attn.bias / attn.masked_bias buffers and a tied lm_head.weight (the reader ignores them)
      reference.json     logits (float64) of a few id sequences, and greedy generations (token ids)

Weights are random with a larger spread than GPT-2's init (0.02), so attention is far from uniform and the
logits differ clearly between tokens: a wrong mask, position or layout cannot hide in a near-uniform output.
The safetensors file is written by hand (the format: 8-byte little-endian header length, JSON header, data).
Needs torch (Debian: python3-torch); run with /usr/bin/python3.
"""
import json
import math
import os
import struct
import sys

try:
    import torch
except ImportError:
    sys.exit("gpt2_reference.py: no torch: install python3-torch (Debian) and run with /usr/bin/python3")

# n_embd 24, not 48: with 48 the float32 weights take 250 KB, and the fixture should stay well under 100 KB.
CONFIG = {
    "architectures": ["GPT2LMHeadModel"],
    "model_type": "gpt2",
    "vocab_size": 97,
    "n_positions": 32,
    "n_embd": 24,
    "n_layer": 2,
    "n_head": 4,
    "n_inner": None,
    "activation_function": "gelu_new",
    "layer_norm_epsilon": 1e-5,
    "resid_pdrop": 0.1,
    "embd_pdrop": 0.1,
    "attn_pdrop": 0.1,
    "bos_token_id": 96,
    "eos_token_id": 96,
}
SEED = 18
SEQUENCES = [[5, 17, 3, 88, 42], [1, 2, 3, 4, 5, 6, 7, 8, 9],
             [60, 61, 7, 7, 7, 90, 13, 0, 96, 33, 21, 12, 44, 45, 46, 50]]
PROMPTS = [[11, 22, 33], [70, 5, 5, 5, 9, 18], [40]]
MAX_NEW = 12


def random_weights(cfg, gen):
    """HF GPT-2 names and layouts; Conv1D weights [in, out]."""
    h, v, p, inner = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"], cfg["n_inner"] or 4 * cfg["n_embd"]

    def normal(*shape, std=0.3):
        return torch.randn(*shape, generator=gen, dtype=torch.float64) * std

    def ln(name):
        return {name + ".weight": 1.0 + normal(h, std=0.1), name + ".bias": normal(h, std=0.1)}

    w = {"wte.weight": normal(v, h, std=0.5), "wpe.weight": normal(p, h, std=0.3)}
    for i in range(cfg["n_layer"]):
        b = f"h.{i}."
        w.update(ln(b + "ln_1"))
        w[b + "attn.c_attn.weight"] = normal(h, 3 * h, std=0.4)
        w[b + "attn.c_attn.bias"] = normal(3 * h, std=0.1)
        w[b + "attn.c_proj.weight"] = normal(h, h, std=0.2)
        w[b + "attn.c_proj.bias"] = normal(h, std=0.1)
        w.update(ln(b + "ln_2"))
        w[b + "mlp.c_fc.weight"] = normal(h, inner, std=0.3)
        w[b + "mlp.c_fc.bias"] = normal(inner, std=0.1)
        w[b + "mlp.c_proj.weight"] = normal(inner, h, std=0.15)
        w[b + "mlp.c_proj.bias"] = normal(h, std=0.1)
    w.update(ln("ln_f"))
    # the checkpoint stores float32: the reference computes with exactly those values
    return {k: t.float().double() for k, t in w.items()}


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdim=True)
    var = (x - mean).pow(2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * w + b


def conv1d(x, w, b):
    return x @ w + b


def forward(w, cfg, ids):
    """Logits [T, vocab] of one unpadded sequence, recomputed from scratch."""
    t, h, nh = len(ids), cfg["n_embd"], cfg["n_head"]
    dh, eps = h // nh, cfg["layer_norm_epsilon"]
    x = w["wte.weight"][torch.tensor(ids)] + w["wpe.weight"][:t]
    causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
    for i in range(cfg["n_layer"]):
        b = f"h.{i}."
        qkv = conv1d(layer_norm(x, w[b + "ln_1.weight"], w[b + "ln_1.bias"], eps),
                     w[b + "attn.c_attn.weight"], w[b + "attn.c_attn.bias"])
        q, k, v = (m.reshape(t, nh, dh).transpose(0, 1) for m in qkv.split(h, dim=-1))
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(dh)
        scores = scores.masked_fill(~causal, float("-inf"))
        ctx = (torch.softmax(scores, dim=-1) @ v).transpose(0, 1).reshape(t, h)
        a = x + conv1d(ctx, w[b + "attn.c_proj.weight"], w[b + "attn.c_proj.bias"])
        m = gelu_new(conv1d(layer_norm(a, w[b + "ln_2.weight"], w[b + "ln_2.bias"], eps),
                            w[b + "mlp.c_fc.weight"], w[b + "mlp.c_fc.bias"]))
        x = a + conv1d(m, w[b + "mlp.c_proj.weight"], w[b + "mlp.c_proj.bias"])
    x = layer_norm(x, w["ln_f.weight"], w["ln_f.bias"], eps)
    return x @ w["wte.weight"].T


def greedy(w, cfg, prompt, max_new, eos):
    """Greedy decoding by full recomputation; stops after eos (kept in the output). Also the smallest gap
    between the best and second-best logit, so a near-tie (where float32 may pick the other) is noticed."""
    ids, out, gap = list(prompt), [], float("inf")
    for _ in range(max_new):
        logits = forward(w, cfg, ids)[-1]
        top = torch.topk(logits, 2).values
        gap = min(gap, (top[0] - top[1]).item())
        nxt = int(torch.argmax(logits))
        out.append(nxt)
        ids.append(nxt)
        if nxt == eos:
            break
    return out, gap


def write_safetensors(path, tensors):
    """tensors: name -> (dtype, shape, bytes), written in the given order."""
    header, offset, data = {}, 0, []
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        data.append(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in data:
            f.write(raw)


def f32(t):
    return ("F32", tuple(t.shape), t.float().contiguous().numpy().astype("<f4").tobytes())


def checkpoint(w, cfg):
    """As GPT2LMHeadModel saves: backbone under "transformer.", old-style causal-mask buffers, tied lm_head."""
    p = cfg["n_positions"]
    out = {}
    for name, t in w.items():
        out["transformer." + name] = f32(t)
    for i in range(cfg["n_layer"]):
        mask = torch.tril(torch.ones(p, p, dtype=torch.uint8)).reshape(1, 1, p, p)
        out[f"transformer.h.{i}.attn.bias"] = ("BOOL", (1, 1, p, p), mask.numpy().tobytes())
        out[f"transformer.h.{i}.attn.masked_bias"] = f32(torch.tensor(-1e4))
    out["lm_head.weight"] = f32(w["wte.weight"])
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.normpath(os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "model", "src", "test", "resources", "gpt2-tiny"))
    os.makedirs(out_dir, exist_ok=True)
    gen = torch.Generator().manual_seed(SEED)
    w = random_weights(CONFIG, gen)

    logits = [forward(w, CONFIG, s) for s in SEQUENCES]
    free = [greedy(w, CONFIG, p, MAX_NEW, eos=-1) for p in PROMPTS]
    # an eos the first prompt first produces at its fourth step or later, so generation stops early there
    first = free[0][0]
    eos = next(t for i, t in enumerate(first) if i >= 3 and t not in first[:i])
    stopped = [greedy(w, CONFIG, p, MAX_NEW, eos=eos) for p in PROMPTS]
    gap = min(g for _, g in free + stopped)
    if gap < 1e-3:
        sys.exit(f"gpt2_reference.py: greedy top-2 gap {gap:.2e} is a near-tie; pick another SEED")

    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(out_dir, "model.safetensors"), checkpoint(w, CONFIG))
    reference = {
        "torch": torch.__version__,
        "seed": SEED,
        "logits_dtype": "float64",
        "sequences": SEQUENCES,
        "logits": [[[float(f"{x:.10g}") for x in row] for row in l.tolist()] for l in logits],
        "greedy": {
            "prompts": PROMPTS,
            "max_new_tokens": MAX_NEW,
            "min_top2_gap": gap,
            "no_eos": [g for g, _ in free],
            "eos": eos,
            "with_eos": [g for g, _ in stopped],
        },
    }
    with open(os.path.join(out_dir, "reference.json"), "w") as f:
        json.dump(reference, f, separators=(",", ":"))
        f.write("\n")
    print(f"gpt2_reference.py: wrote {out_dir} (greedy min top-2 gap {gap:.3g}, eos {eos})")


if __name__ == "__main__":
    main()
