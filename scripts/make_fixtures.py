#!/usr/bin/env python3
"""Writes tests/fixtures/*.safetensors: a few Adam steps of small vkvae models, computed by PyTorch.

Each fixture holds PyTorch-initialized weights ("init.<name>"), a tiny dataset and the order its
batches are gathered in, and what PyTorch makes of them: the gradients of the first step
("grad.<name>"), the weights after the steps ("final.<name>") and each step's mean
reconstruction and KL terms ("losses", steps × 2). The
reparameterization noise is vkvae's own (Philox4x32-10 keyed by the seed and the step, as in
shaders/random.glsl), recomputed here, so both sides train on the same ε. The test suite reads
the committed fixtures and needs no PyTorch: tests/train/fixture_test.cpp.

Run: /usr/bin/python3 scripts/make_fixtures.py   (Debian's python3-torch)
"""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vkvae_torch  # noqa: E402

M32 = 0xFFFFFFFF
REPARAMETERIZE_STREAM = 1


def philox4x32_10(counter, key):
    c, k = list(counter), list(key)
    for _ in range(10):
        p0, p1 = 0xD2511F53 * c[0], 0xCD9E8D57 * c[2]
        c = [((p1 >> 32) ^ c[1] ^ k[0]) & M32, p1 & M32, ((p0 >> 32) ^ c[3] ^ k[1]) & M32, p0 & M32]
        k = [(k[0] + 0x9E3779B9) & M32, (k[1] + 0xBB67AE85) & M32]
    return c


def standard_normal(seed, step, stream, element):
    """vkvae's N(0,1) draw, in double precision (the device's float version agrees to ~1e-6)."""
    w = philox4x32_10([element >> 1, step & M32, step >> 32, stream], [seed & M32, seed >> 32])
    u1 = ((w[0] >> 9) + 0.5) / 8388608.0
    r = math.sqrt(-2.0 * math.log(u1))
    theta = ((w[1] >> 30) + ((w[1] >> 8) & 0x3FFFFF) / 4194304.0) * math.pi / 2
    return r * math.cos(theta) if element % 2 == 0 else r * math.sin(theta)


# A spec-defined model with no layer names (PyTorch's nn.Sequential names), every activation,
# odd kernels, strides and paddings, and the label joined: the spec mechanism against PyTorch.
AWKWARD_SPEC = {
    "latent": 3, "likelihood": "bernoulli", "conditional": True,
    "encoder": [
        {"type": "conv2d", "out": 4, "kernel": 3, "stride": 2, "padding": 1, "activation": "leaky_relu", "slope": 0.2},
        {"type": "conv2d", "out": 6, "kernel": 4, "stride": 3, "padding": 1, "activation": "elu", "alpha": 0.5},
        {"type": "flatten"},
        {"type": "linear", "out": 12, "activation": "sigmoid"},
    ],
    "decoder": [
        {"type": "linear", "out": 10, "activation": "tanh"},
        {"type": "linear", "out": 96, "activation": "softplus"},
        {"type": "unflatten", "shape": [6, 4, 4]},
        {"type": "conv_transpose2d", "out": 5, "kernel": 3, "stride": 2, "output_padding": 1, "activation": "relu"},
        {"type": "conv_transpose2d", "out": "data", "kernel": 4, "stride": 3, "padding": 2, "output_padding": 1},
    ],
}

# A colour spec on images of 3×12×10 (not square) with 3 classes: the data's shape and class
# count reach every layer.
COLOUR_SPEC = {
    "latent": 3, "likelihood": "bernoulli", "conditional": True,
    "encoder": [
        {"type": "conv2d", "out": 4, "kernel": 3, "stride": 2, "padding": 1, "activation": "relu"},
        {"type": "flatten"},
        {"type": "linear", "out": 8, "activation": "tanh"},
    ],
    "decoder": [
        {"type": "linear", "out": 120, "activation": "elu"},
        {"type": "unflatten", "shape": [4, 6, 5]},
        {"type": "conv_transpose2d", "out": "data", "kernel": 3, "stride": 2, "padding": 1, "output_padding": 1},
    ],
}

CASES = [
    # name, options, steps
    ("mlp", {"model": "mlp", "latent": 3, "hidden": 16, "loss": "bce"}, 3),
    ("cmlp", {"model": "cmlp", "latent": 3, "hidden": 16, "loss": "bce"}, 3),
    ("mlp2", {"model": "mlp2", "latent": 2, "hidden": 16, "loss": "mse"}, 3),
    ("conv", {"model": "conv", "latent": 3, "hidden": 4, "loss": "bce"}, 3),
    ("cconv", {"model": "cconv", "latent": 3, "hidden": 4, "loss": "bce"}, 2),
    ("spec", {"model": "awkward.json", "spec": AWKWARD_SPEC, "latent": 3, "loss": "bce"}, 3),
    ("iwae", {"model": "mlp", "latent": 3, "hidden": 16, "loss": "bce", "objective": "iwae", "k": 5}, 3),
    ("colour", {"model": "colour.json", "spec": COLOUR_SPEC, "latent": 3, "loss": "bce", "data-shape": [3, 12, 10], "classes": 3}, 3),
]
BATCH, IMAGES, SEED, LR = 4, 6, 7, 1e-2
ORDER = [5, 1, 3, 0, 2, 4]


def make(name, options, steps, out_dir):
    torch.manual_seed(1234)
    model = vkvae_torch.make_model(options)
    init = {k: v.detach().clone() for k, v in model.state_dict().items()}
    generator = torch.Generator().manual_seed(99)
    shape, classes = options.get("data-shape", [1, 28, 28]), options.get("classes", 10)
    images = torch.randint(0, 256, (IMAGES, shape[0] * shape[1] * shape[2]), dtype=torch.uint8, generator=generator)
    labels = torch.randint(0, classes, (IMAGES,), dtype=torch.uint8, generator=generator)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    latent = options["latent"]
    step_losses = []
    for step in range(steps):
        rows = [ORDER[(step * BATCH + b) % IMAGES] for b in range(BATCH)]
        x = images[rows].float() / 255.0
        y = torch.nn.functional.one_hot(labels[rows].long(), classes).float()
        k = options.get("k", 1)
        eps = torch.tensor([[standard_normal(SEED, step, REPARAMETERIZE_STREAM, r * latent + j) for j in range(latent)]
                            for r in range(BATCH * k)], dtype=torch.float32)
        if options.get("objective") == "iwae":
            # vkvae's metric terms: the per-example bound −L_K, and KL(q‖p) reported beside it.
            recon, kl = vkvae_torch.iwae_losses(model, x, y, eps, k)
            loss = recon.sum() / BATCH
        else:
            recon, kl = vkvae_torch.losses(model, x, y, eps, options["loss"])
            loss = (recon.sum() + kl.sum()) / BATCH  # vkvae's objective: the batch mean
        optimizer.zero_grad()
        loss.backward()
        if step == 0:
            grads = {k: p.grad.detach().clone() for k, p in model.named_parameters()}
        optimizer.step()
        step_losses.append([recon.mean().item(), kl.mean().item()])
    tensors = {}
    for k, v in init.items():
        tensors["init." + k] = v
    for k, v in grads.items():
        tensors["grad." + k] = v
    for k, v in model.state_dict().items():
        tensors["final." + k] = v
    tensors["losses"] = torch.tensor(step_losses, dtype=torch.float32)
    tensors["images"] = images.float()
    tensors["labels"] = labels.float()
    tensors["order"] = torch.tensor(ORDER, dtype=torch.float32)
    metadata = dict(options, batch=BATCH, lr=LR, seed=SEED, steps=steps, torch=torch.__version__)
    path = os.path.join(out_dir, name + "_steps.safetensors")
    vkvae_torch.write_safetensors(path, tensors, {k: json.dumps(v) for k, v in metadata.items()})
    print(f"wrote {path}: {steps} steps, losses {step_losses}")


def main():
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures")
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    for name, options, steps in CASES:
        make(name, options, steps, os.path.normpath(out_dir))


if __name__ == "__main__":
    main()
