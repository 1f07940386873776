#!/usr/bin/env python3
"""PyTorch reference for `bin/adamix decoder-bench` (org.adamix.model.bench.DecoderBench): the same GPT-2
shapes, the same work per step, float32, written out in plain torch (no transformers).

Training step: a frozen random GPT-2 (N(0, 0.02) weights) with LoRA on c_attn's query and value
(r = 4, alpha = 32, LoRA dropout 0.1, B zero-initialised); for adamix-lora M = 8 A-experts with B shared,
one route per layer per pass, two passes and 100 * 1/2[KL(sg q||p) + KL(sg p||q)] over the target tokens;
cross-entropy with label smoothing 0.1 on view 1 over the second half of every row; AdamW (lr 2e-4,
weight decay 0.01). Generation: greedy decoding with a KV cache, prompts of seq/2 tokens, batch B.

  /usr/bin/python3 experiments/gpt2_bench.py [--preset=e2e-small|gpt2] [--batch=8] [--seq=64]
      [--steps=10] [--warmup=3] [--new=32] [--methods=lora,adamix-lora] [--threads=N]
Prints lines like the Java bench: BENCH torch-decoder-train ... s/step=... tokens/s=...
"""
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F

opts = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--"))
PRESETS = {"e2e-small": dict(vocab=1230, pos=160, h=128, layers=4, heads=4, inner=512),
           "gpt2": dict(vocab=50257, pos=1024, h=768, layers=12, heads=12, inner=3072)}
preset = opts.get("preset", "e2e-small")
C = PRESETS[preset]
B, T = int(opts.get("batch", 8)), int(opts.get("seq", 64))
STEPS, WARMUP, NEW = int(opts.get("steps", 10)), int(opts.get("warmup", 3)), int(opts.get("new", 32))
if "threads" in opts:
    torch.set_num_threads(int(opts["threads"]))
torch.manual_seed(1)


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


class Lora(torch.nn.Module):
    """y += (alpha/r) * dropout(x) A_e^T B^T, A experts stacked; B shared (one)."""

    def __init__(s, h, r, experts):
        super().__init__()
        s.A = torch.nn.Parameter(torch.randn(experts, r, h) * 0.02)
        s.B = torch.nn.Parameter(torch.zeros(1, h, r))
        s.scale, s.route = 32.0 / r, 0

    def forward(s, x):
        return (F.dropout(x, 0.1, s.training) @ s.A[s.route].T) @ s.B[0].T * s.scale


class Block(torch.nn.Module):
    def __init__(s, experts, lora):
        super().__init__()
        h, inner = C["h"], C["inner"]
        s.ln1, s.ln2 = torch.nn.LayerNorm(h), torch.nn.LayerNorm(h)
        s.attn, s.proj = torch.nn.Linear(h, 3 * h), torch.nn.Linear(h, h)
        s.fc, s.out = torch.nn.Linear(h, inner), torch.nn.Linear(inner, h)
        for lin in (s.attn, s.proj, s.fc, s.out):
            torch.nn.init.normal_(lin.weight, std=0.02)
            torch.nn.init.zeros_(lin.bias)
        s.lq = Lora(h, 4, experts) if lora else None
        s.lv = Lora(h, 4, experts) if lora else None

    def forward(s, x, cache=None):
        b, t, h = x.shape
        nh = C["heads"]
        y = s.ln1(x)
        q, k, v = s.attn(y).split(h, dim=-1)
        if s.lq is not None:
            q, v = q + s.lq(y), v + s.lv(y)
        heads = lambda m: m.view(b, t, nh, h // nh).transpose(1, 2)
        q, k, v = heads(q), heads(k), heads(v)
        if cache is not None:
            if cache.get("k") is not None:
                k, v = torch.cat([cache["k"], k], 2), torch.cat([cache["v"], v], 2)
            cache["k"], cache["v"] = k, v
        s_ = q @ k.transpose(-1, -2) / math.sqrt(h // nh)
        tk = k.shape[2]
        causal = torch.ones(t, tk, dtype=torch.bool).tril(tk - t)
        s_ = s_.masked_fill(~causal, float("-inf"))
        ctx = (torch.softmax(s_, -1) @ v).transpose(1, 2).reshape(b, t, h)
        a = x + s.proj(ctx)
        return a + s.out(gelu_new(s.fc(s.ln2(a))))


class Gpt2(torch.nn.Module):
    def __init__(s, experts=1, lora=True):
        super().__init__()
        s.wte = torch.nn.Parameter(torch.randn(C["vocab"], C["h"]) * 0.02)
        s.wpe = torch.nn.Parameter(torch.randn(C["pos"], C["h"]) * 0.02)
        s.blocks = torch.nn.ModuleList(Block(experts, lora) for _ in range(C["layers"]))
        s.lnf = torch.nn.LayerNorm(C["h"])

    def forward(s, ids, caches=None, past=0):
        x = s.wte[ids] + s.wpe[past:past + ids.shape[1]]
        for i, blk in enumerate(s.blocks):
            x = blk(x, None if caches is None else caches[i])
        return s.lnf(x) @ s.wte.T

    def reroute(s, rng, experts):
        for blk in s.blocks:
            r = int(rng.integers(experts))
            blk.lq.route = blk.lv.route = r


def train(method):
    experts = 8 if method == "adamix-lora" else 1
    m = Gpt2(experts)
    for n, p in m.named_parameters():
        p.requires_grad = ".lq." in n or ".lv." in n
    opt = torch.optim.AdamW([p for p in m.parameters() if p.requires_grad], lr=2e-4, weight_decay=0.01)
    ids = torch.randint(C["vocab"], (B, T))
    target = torch.roll(ids, -1, 1)
    mask = torch.zeros(B, T)
    mask[:, T // 2 - 1:T - 1] = 1
    import numpy as np
    rng = np.random.default_rng(0)
    m.train()
    times = []
    for step in range(WARMUP + STEPS):
        t0 = time.perf_counter()
        if experts > 1:
            m.reroute(rng, experts)
        logits = m(ids)
        lp = F.log_softmax(logits, -1)
        nll = -lp.gather(-1, target.unsqueeze(-1)).squeeze(-1)
        loss = ((0.9 * nll + 0.1 * -lp.mean(-1)) * mask).sum() / mask.sum()
        if experts > 1:
            m.reroute(rng, experts)
            lq = F.log_softmax(m(ids), -1)
            sel = mask.view(-1).bool()
            p, q = lp.view(-1, lp.shape[-1])[sel], lq.view(-1, lq.shape[-1])[sel]
            kl = F.kl_div(p, q.detach().exp(), reduction="batchmean") + \
                F.kl_div(q, p.detach().exp(), reduction="batchmean")
            loss = loss + 100.0 * 0.5 * kl
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step >= WARMUP:
            times.append(time.perf_counter() - t0)
    sec = statistics.median(times)
    print(f"BENCH torch-decoder-train preset={preset} method={method} batch={B} seq={T} "
          f"s/step={sec:.4f} tokens/s={B * T / sec:.0f}", flush=True)


@torch.no_grad()
def generate():
    m = Gpt2(lora=False).eval()
    prompts = torch.randint(C["vocab"], (B, T // 2))
    times = []
    for step in range(WARMUP + STEPS):
        t0 = time.perf_counter()
        caches = [dict() for _ in m.blocks]
        logits = m(prompts, caches, 0)
        nxt = logits[:, -1].argmax(-1, keepdim=True)
        past = prompts.shape[1]
        for _ in range(NEW - 1):
            logits = m(nxt, caches, past)
            past += 1
            nxt = logits[:, -1].argmax(-1, keepdim=True)
        if step >= WARMUP:
            times.append(time.perf_counter() - t0)
    sec = statistics.median(times)
    print(f"BENCH torch-decoder-generate preset={preset} batch={B} prompt={T // 2} new={NEW} "
          f"s={sec:.4f} new-tokens/s={B * NEW / sec:.0f}", flush=True)


for method in opts.get("methods", "lora,adamix-lora").split(","):
    train(method)
generate()
