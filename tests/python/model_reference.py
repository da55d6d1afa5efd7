"""An independent reference for embedpos-model: numpy only.

Reads a checkpoint folder written by `embedpos_model::save_model`
(config.json, model.safetensors), a batch and the Rust results (JSON), runs
the same architecture forward, differentiates the loss with a small
reverse-mode autodiff written here (not the hand-derived backward passes of
the Rust code), and prints, as JSON, the largest error of the logits, the
loss and each parameter gradient relative to the largest reference value.

    python3 model_reference.py CHECKPOINT BATCH.json EXPECTED.json

The model: nanoGPT's pre-LayerNorm block
(x + attn(ln_1(x)); x + mlp(ln_2(x))) with the embedpos choices: attention
without biases, GELU in the tanh approximation, the absolute encoding added
to the (optionally √d-scaled) token vectors, RoPE / ALiBi / T5 on the
attention logits, LM head tied or not, classifier pooling mean / first /
last. Position tables (sinusoidal, RoPE cos/sin) are rounded to float32 as
embedpos-posenc stores them; T5 buckets are computed in float32 as in T5.
"""

import json
import struct
import sys

import numpy as np


# ---------------------------------------------------------------- autodiff


class Var:
    """A value in the graph; `grad` is filled by `backward`."""

    def __init__(self, value, parents=(), back=None):
        self.value = np.asarray(value, dtype=np.float64)
        self.parents = parents
        self.back = back
        self.grad = None


def const(x):
    return Var(x)


def unbroadcast(g, shape):
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g


def add(a, b):
    return Var(a.value + b.value, (a, b),
               lambda g: (unbroadcast(g, a.value.shape), unbroadcast(g, b.value.shape)))


def sub(a, b):
    return Var(a.value - b.value, (a, b),
               lambda g: (unbroadcast(g, a.value.shape), unbroadcast(-g, b.value.shape)))


def mul(a, b):
    return Var(a.value * b.value, (a, b),
               lambda g: (unbroadcast(g * b.value, a.value.shape),
                          unbroadcast(g * a.value, b.value.shape)))


def div(a, b):
    return Var(a.value / b.value, (a, b),
               lambda g: (unbroadcast(g / b.value, a.value.shape),
                          unbroadcast(-g * a.value / b.value ** 2, b.value.shape)))


def matmul(a, b):
    def back(g):
        ga = g @ np.swapaxes(b.value, -1, -2)
        gb = np.swapaxes(a.value, -1, -2) @ g
        return unbroadcast(ga, a.value.shape), unbroadcast(gb, b.value.shape)
    return Var(a.value @ b.value, (a, b), back)


def exp(a):
    y = np.exp(a.value)
    return Var(y, (a,), lambda g: (g * y,))


def log(a):
    return Var(np.log(a.value), (a,), lambda g: (g / a.value,))


def tanh(a):
    y = np.tanh(a.value)
    return Var(y, (a,), lambda g: (g * (1 - y * y),))


def power(a, p):
    return Var(a.value ** p, (a,), lambda g: (g * p * a.value ** (p - 1),))


def total(a, axis=None, keepdims=False):
    def back(g):
        if axis is not None and not keepdims:
            g = np.expand_dims(g, axis)
        return (np.broadcast_to(g, a.value.shape).copy(),)
    return Var(a.value.sum(axis=axis, keepdims=keepdims), (a,), back)


def reshape(a, shape):
    return Var(a.value.reshape(shape), (a,), lambda g: (g.reshape(a.value.shape),))


def transpose(a, axes):
    inv = np.argsort(axes)
    return Var(np.transpose(a.value, axes), (a,), lambda g: (np.transpose(g, inv),))


def rows(table, idx):
    """table[idx] for an integer array idx (rows of a 2-D table)."""
    def back(g):
        out = np.zeros_like(table.value)
        np.add.at(out, idx, g)
        return (out,)
    return Var(table.value[idx], (table,), back)


def backward(loss):
    order, seen = [], set()

    def visit(v):
        if id(v) in seen:
            return
        seen.add(id(v))
        for p in v.parents:
            visit(p)
        order.append(v)
    visit(loss)
    loss.grad = np.ones_like(loss.value)
    for v in reversed(order):
        if v.back is None or v.grad is None:
            continue
        for p, g in zip(v.parents, v.back(v.grad)):
            p.grad = g if p.grad is None else p.grad + g


# ---------------------------------------------------------------- files


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = {"F32": "<f4", "F64": "<f8"}[info["dtype"]]
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(body[a:b], dtype=dtype).astype(np.float64).reshape(info["shape"])
    return out


# ---------------------------------------------------------------- encodings


def f32(x):
    return np.asarray(x, dtype=np.float64).astype(np.float32).astype(np.float64)


def sinusoidal(positions, d, base, layout):
    nf = d // 2 + d % 2
    inv = base ** (-(2.0 * np.arange(nf)) / d)
    ang = positions[..., None].astype(np.float64) * inv
    out = np.zeros(positions.shape + (d,))
    n_cos = d // 2
    for i in range(nf):
        sc, cc = (2 * i, 2 * i + 1) if layout == "interleaved" else (i, nf + i)
        out[..., sc] = np.sin(ang[..., i])
        if i < n_cos:
            out[..., cc] = np.cos(ang[..., i])
    return f32(out)


def rope_tables(positions, hd, rope):
    """cos, sin `[B, 1, S, hd]` and the pair matrix P: rot(x) = x·cos + (x P)·sin."""
    r = rope.get("rotary_dim") or hd
    inv = rope["base"] ** (-(2.0 * np.arange(r // 2)) / r)
    ang = positions[..., None].astype(np.float64) * inv
    c, s = f32(np.cos(ang)), f32(np.sin(ang))
    b, n = positions.shape
    cos = np.ones((b, n, hd))
    sin = np.zeros((b, n, hd))
    p = np.zeros((hd, hd))
    for i in range(r // 2):
        a, bb = (i, i + r // 2) if rope["pairing"] == "neox" else (2 * i, 2 * i + 1)
        cos[..., a] = cos[..., bb] = c[..., i]
        sin[..., a] = sin[..., bb] = s[..., i]
        p[bb, a] = -1.0   # out[a] = x[a] c − x[b] s
        p[a, bb] = 1.0    # out[b] = x[b] c + x[a] s
    return cos[:, None], sin[:, None], p


def alibi_slopes(h):
    def pow2(n):
        return [2.0 ** (-8.0 * i / n) for i in range(1, n + 1)]
    if h & (h - 1) == 0:
        return pow2(h)
    closest = 1 << (h.bit_length() - 1)
    return pow2(closest) + alibi_slopes(2 * closest)[::2][: h - closest]


def t5_bucket(rel, num_buckets, max_distance, bidirectional):
    n, bucket = num_buckets, 0
    if bidirectional:
        n //= 2
        if rel > 0:
            bucket += n
        distance = abs(rel)
    else:
        distance = -rel if rel < 0 else 0
    max_exact = n // 2
    if distance < max_exact:
        return bucket + distance
    ratio = np.float32(distance) / np.float32(max_exact)
    scale = np.float32(np.log(max_distance / max_exact))
    steps = np.float32(np.log(ratio)) / scale * np.float32(n - max_exact)
    return bucket + min(max_exact + int(steps), n - 1)


# ---------------------------------------------------------------- model


def layer_norm(x, w, b, eps):
    d = x.value.shape[-1]
    mu = div(total(x, -1, True), const(d))
    xc = sub(x, mu)
    var = div(total(mul(xc, xc), -1, True), const(d))
    return add(mul(div(xc, power(add(var, const(eps)), 0.5)), w), b)


def gelu(u):
    c, a = np.sqrt(2.0 / np.pi), 0.044715
    inner = mul(const(c), add(u, mul(const(a), power(u, 3))))
    return mul(mul(const(0.5), u), add(const(1.0), tanh(inner)))


def run(cfg, p, batch):
    m = cfg["model"]
    ids = np.array(batch["ids"])
    mask = np.array(batch["mask"], dtype=bool)
    pos = np.array(batch["positions"])
    bsz, s = ids.shape
    d, heads, layers = m["d_model"], m["heads"], m["layers"]
    hd = d // heads
    eps = m["layer_norm_eps"]

    x = rows(p["tok_emb.weight"], ids)
    if "tok_emb.proj.weight" in p:
        x = add(matmul(x, p["tok_emb.proj.weight"]), p["tok_emb.proj.bias"])
    if m["scale_embeddings"]:
        x = mul(x, const(np.sqrt(d)))
    kind = m["positions"]["kind"]
    if kind == "learned":
        x = add(x, rows(p["pos_emb.weight"], pos))
    elif kind == "sinusoidal":
        x = add(x, const(sinusoidal(pos, d, m["positions"]["base"], m["positions"]["layout"])))

    causal = m["causal"]
    allowed = mask[:, None, None, :] & np.ones((1, 1, s, 1), dtype=bool)
    if causal:
        allowed = allowed & np.tril(np.ones((s, s), dtype=bool))[None, None]
    anyk = allowed.any(-1, keepdims=True)
    rope = m.get("rope")
    if rope:
        cos, sin, pm = rope_tables(pos, hd, rope)
    bias_kind = m["bias"]["kind"]
    if bias_kind == "alibi":
        dist = np.abs(pos[:, :, None] - pos[:, None, :]).astype(np.float64)
        slopes = np.array(alibi_slopes(heads))
        alibi = const(-slopes[None, :, None, None] * dist[:, None])
    if bias_kind == "t5":
        nb, md = m["bias"]["num_buckets"], m["bias"]["max_distance"]
        buckets = np.array([[[t5_bucket(int(pj) - int(pi), nb, md, not causal) for pj in pos[b]]
                             for pi in pos[b]] for b in range(bsz)])
        # index into the flattened [num_buckets, heads] table: [B, H, S, S]
        flat_idx = buckets[:, None] * heads + np.arange(heads)[None, :, None, None]

    def split(t):
        return transpose(reshape(t, (bsz, s, heads, hd)), (0, 2, 1, 3))

    for i in range(layers):
        q_ = lambda n: p[f"blocks.{i}.{n}"]
        h = layer_norm(x, q_("ln1.weight"), q_("ln1.bias"), eps)
        q, k, v = (split(matmul(h, q_(f"attn.{w}.weight"))) for w in ("wq", "wk", "wv"))
        if rope:
            q = add(mul(q, const(cos)), mul(matmul(q, const(pm)), const(sin)))
            k = add(mul(k, const(cos)), mul(matmul(k, const(pm)), const(sin)))
        sc = mul(matmul(q, transpose(k, (0, 1, 3, 2))), const(1.0 / np.sqrt(hd)))
        if bias_kind == "alibi":
            sc = add(sc, alibi)
        if bias_kind == "t5":
            table = q_("attn.t5.weight")
            flat = reshape(table, (-1,))
            sc = add(sc, rows(flat, flat_idx))
        mx = np.where(allowed, sc.value, -np.inf).max(-1, keepdims=True)
        mx = np.where(np.isfinite(mx), mx, 0.0)
        e = mul(exp(sub(sc, const(mx))), const(allowed.astype(np.float64)))
        z = add(total(e, -1, True), const((~anyk).astype(np.float64)))
        a = div(e, z)
        o = reshape(transpose(matmul(a, v), (0, 2, 1, 3)), (bsz, s, d))
        x = add(x, matmul(o, q_("attn.wo.weight")))
        h2 = layer_norm(x, q_("ln2.weight"), q_("ln2.bias"), eps)
        u = add(matmul(h2, q_("mlp.fc.weight")), q_("mlp.fc.bias"))
        x = add(x, add(matmul(gelu(u), q_("mlp.proj.weight")), q_("mlp.proj.bias")))
    h = layer_norm(x, p["ln_f.weight"], p["ln_f.bias"], eps)

    head = m["head"]
    if head["kind"] == "lm":
        w = p["lm_head.weight"] if "lm_head.weight" in p else p["tok_emb.weight"]
        logits = matmul(h, transpose(w, (1, 0)))                        # [B, S, V]
        tgt = np.zeros((bsz, s), dtype=np.int64)
        valid = np.zeros((bsz, s))
        for b in range(bsz):
            for t in range(s - 1):
                if mask[b, t] and mask[b, t + 1] and ids[b, t + 1] != 0:
                    tgt[b, t], valid[b, t] = ids[b, t + 1], 1.0
        flat_logits = reshape(logits, (bsz * s, -1))
        tgt, valid = tgt.reshape(-1), valid.reshape(-1)
    else:
        weights = np.zeros((bsz, s, 1))
        for b in range(bsz):
            real = np.nonzero(mask[b])[0]
            if head["pooling"] == "mean":
                weights[b, real, 0] = 1.0 / len(real)
            elif head["pooling"] == "first":
                weights[b, real[0], 0] = 1.0
            else:
                weights[b, real[-1], 0] = 1.0
        pooled = total(mul(h, const(weights)), 1)                     # [B, D]
        flat_logits = add(matmul(pooled, p["cls_head.weight"]), p["cls_head.bias"])
        tgt = np.array(batch["labels"], dtype=np.int64)
        valid = np.ones(bsz)
    zmax = flat_logits.value.max(-1, keepdims=True)
    lse = add(log(total(exp(sub(flat_logits, const(zmax))), -1, True)), const(zmax))
    onehot = np.zeros(flat_logits.value.shape)
    onehot[np.arange(len(tgt)), tgt] = 1.0
    picked = total(mul(flat_logits, const(onehot)), -1, True)
    per_row = mul(sub(lse, picked), const(valid[:, None]))
    loss = div(total(per_row), const(valid.sum()))
    return flat_logits, loss


def rel_err(got, want):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    scale = max(np.abs(want).max(), 1e-300)
    return float(np.abs(got - want).max() / scale)


def main():
    ck, batch_path, expected_path = sys.argv[1:4]
    with open(f"{ck}/config.json") as f:
        cfg = json.load(f)
    with open(batch_path) as f:
        batch = json.load(f)
    with open(expected_path) as f:
        expected = json.load(f)
    params = {n: Var(v) for n, v in read_safetensors(f"{ck}/model.safetensors").items()}
    logits, loss = run(cfg, params, batch)
    backward(loss)
    grads = {}
    for name, want in expected["grads"].items():
        g = params[name].grad
        g = np.zeros_like(params[name].value) if g is None else g.copy()
        if name == "tok_emb.weight":
            g[0] = 0.0  # [PAD] is not a parameter
        grads[name] = rel_err(np.asarray(want).reshape(g.shape), g)
    missing = sorted(set(params) - set(expected["grads"]))
    print(json.dumps({
        "logits": rel_err(expected["logits"], logits.value.reshape(-1)),
        "loss": abs(expected["loss"] - float(loss.value)) / abs(float(loss.value)),
        "loss_value": float(loss.value),
        "grads": grads,
        "unchecked": missing,
    }))


if __name__ == "__main__":
    main()
