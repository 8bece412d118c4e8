#!/usr/bin/env python3
"""vkvae's models as PyTorch modules, with the names and layouts of vkvae checkpoints.

    import vkvae_torch
    model, options = vkvae_torch.load_checkpoint("runs/conv/checkpoints/best.safetensors")

Commands (Debian's python3-torch is enough; the `safetensors` package is used when present):
    vkvae_torch.py check CHECKPOINT [--data DIR]   evaluate a checkpoint in PyTorch on the
                                                   test set and compare with its metrics
    vkvae_torch.py iwae CHECKPOINT [--k K] [--limit N]
                                                   the importance-weighted NLL in PyTorch
    vkvae_torch.py init MODEL OUT [--seed N]       PyTorch-initialized weights for --init
    vkvae_torch.py train MODEL [--epochs N] [--data DIR] [--out FILE]
                                                   (MODEL: a built-in name or a spec FILE.json)
                                                   the same recipe trained by PyTorch: a JSON
                                                   line per epoch (the quality benchmark's
                                                   reference, bench/quality.sh)
"""
import argparse
import gzip
import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F
from torch import nn

CLASSES = 10
IMAGE = (1, 28, 28)  # MNIST's: the shape of configs older than "data-shape"
MODELS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models")


def builtin_names():
    return sorted(f[:-5] for f in os.listdir(MODELS_DIR) if f.endswith(".json"))


def load_spec(model):
    """A model spec: a built-in name (models/NAME.json) or a spec file's path."""
    path = os.path.join(MODELS_DIR, model + ".json") if model in builtin_names() else model
    with open(path) as f:
        return json.load(f)


def activation_of(layer):
    kind = layer.get("activation")
    return {None: None, "relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "softplus": F.softplus,
            "leaky_relu": lambda x: F.leaky_relu(x, layer.get("slope", 0.01)),
            "elu": lambda x: F.elu(x, layer.get("alpha", 1.0))}[kind]


class SpecVAE(nn.Module):
    """The network a vkvae model spec describes (README: Model specs), with vkvae's parameter names:
    a layer's "name", else "encoder.<i>" / "decoder.<i>" (i: the spec's layer index, an activation
    belonging to its layer); the heads' names from "heads"."""

    def __init__(self, spec, image=IMAGE, classes=CLASSES):
        super().__init__()
        self.spec, self.image = spec, image
        self.classes = classes if spec.get("conditional", False) else 0
        self.parts = {}
        self.add_module("encoder", nn.ModuleDict())
        self.add_module("decoder", nn.ModuleDict())
        shape = list(image)
        self.parts["encoder"], shape, self.join_at = self._build("encoder", spec["encoder"], shape, join=self.classes > 0)
        heads = spec.get("heads", {})
        latent = spec["latent"]
        self.mu_name, self.logvar_name = heads.get("mu", "fc_mu"), heads.get("logvar", "fc_logvar")
        self.add_module(self.mu_name, nn.Linear(shape[0], latent))
        self.add_module(self.logvar_name, nn.Linear(shape[0], latent))
        self.parts["decoder"], _, _ = self._build("decoder", spec["decoder"], [latent + self.classes], join=False)

    def _size(self, layer, conv):
        out = layer["out"]
        if out == "hidden":
            return self.spec["hidden"]
        if out == "data":
            return self.image[0] if conv else self.image[0] * self.image[1] * self.image[2]
        return out

    def _build(self, part, layers, shape, join):
        steps, join_at = [], None
        for i, layer in enumerate(layers):
            kind = layer["type"]
            if kind == "flatten":
                module, shape = nn.Flatten(1), [shape[0] * shape[1] * shape[2]]
            elif kind == "unflatten":
                module, shape = nn.Unflatten(1, tuple(layer["shape"])), list(layer["shape"])
            elif kind == "linear":
                out = self._size(layer, False)
                module, shape = nn.Linear(shape[0], out), [out]
            else:
                out, k = self._size(layer, True), layer["kernel"]
                s, pad = layer.get("stride", 1), layer.get("padding", 0)
                if kind == "conv2d":
                    conv = nn.Conv2d(shape[0], out, k, stride=s, padding=pad)
                    side = [(n + 2 * pad - k) // s + 1 for n in shape[1:]]
                else:
                    op = layer.get("output_padding", 0)
                    conv = nn.ConvTranspose2d(shape[0], out, k, stride=s, padding=pad, output_padding=op)
                    side = [(n - 1) * s - 2 * pad + k + op for n in shape[1:]]
                module, shape = conv, [out] + side
            if "name" in layer:
                self.add_module(layer["name"], module)
            else:
                getattr(self, part)[str(i)] = module
            steps.append((module, activation_of(layer)))
            if join and join_at is None and len(shape) == 1:
                join_at, shape = i, [shape[0] + self.classes]
        return steps, shape, join_at

    def _run(self, steps, h, y, join_at):
        for i, (module, activation) in enumerate(steps):
            h = module(h)
            if activation:
                h = activation(h)
            if i == join_at:
                h = torch.cat([h, y], 1)
        return h

    def encode(self, x, y=None):
        h = self._run(self.parts["encoder"], x.view(-1, *self.image), y, self.join_at)
        return getattr(self, self.mu_name)(h), getattr(self, self.logvar_name)(h)

    def decode(self, z, y=None):
        if self.classes:
            z = torch.cat([z, y], 1)
        return self._run(self.parts["decoder"], z, None, None).flatten(1)  # logits (B, C·H·W)


def spec_of(options):
    """The spec of a vkvae config (a dict of option names, as in config.json): its own, or (older
    checkpoints) the built-in model's, with the run's latent and hidden sizes."""
    spec = dict(options["spec"]) if "spec" in options else load_spec(options["model"])
    spec["latent"] = options.get("latent", spec["latent"])
    if "hidden" in spec:
        spec["hidden"] = options.get("hidden", spec["hidden"])
    return spec


def make_model(options):
    """The module for a vkvae config, for the data shape and classes it was trained on."""
    return SpecVAE(spec_of(options), tuple(options.get("data-shape", IMAGE)), options.get("classes", CLASSES))


def recipe(model):
    """A model's training recipe as vkvae-train resolves it: (spec, batch, lr, loss)."""
    spec = load_spec(model)
    defaults = spec.get("defaults", {})
    loss = "mse" if spec.get("likelihood", "bernoulli") == "gaussian" else "bce"
    return spec, defaults.get("batch", 128), defaults.get("lr", 1e-3), loss


def losses(model, x, y, eps, loss="bce"):
    """Per-example reconstruction and KL terms (nats) with the given noise, as vkvae computes them."""
    mu, logvar = model.encode(x, y)
    z = mu + torch.exp(0.5 * logvar) * eps
    logits = model.decode(z, y)
    if loss == "bce":
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1)
    else:
        recon = ((torch.sigmoid(logits) - x) ** 2).sum(1)
    kl = -0.5 * (1 + logvar - mu * mu - logvar.exp()).sum(1)
    return recon, kl


def iwae_losses(model, x, y, eps, k):
    """The importance-weighted bound of k samples per example (−L_K, per example; eps: (B·k, L),
    example b's samples in rows b·k … b·k + k − 1) and KL(q‖p), as vkvae's iwae objective."""
    mu, logvar = model.encode(x, y)
    mu_k, logvar_k = mu.repeat_interleave(k, 0), logvar.repeat_interleave(k, 0)
    z = mu_k + torch.exp(0.5 * logvar_k) * eps
    logits = model.decode(z, y.repeat_interleave(k, 0) if y is not None else None)
    recon = F.binary_cross_entropy_with_logits(logits, x.repeat_interleave(k, 0), reduction="none").sum(1)
    log_w = -recon + 0.5 * (eps * eps - z * z + logvar_k).sum(1)
    bound = -(torch.logsumexp(log_w.view(-1, k), 1) - math.log(k))
    kl = -0.5 * (1 + logvar - mu * mu - logvar.exp()).sum(1)
    return bound, kl


def read_safetensors(path):
    """(tensors, metadata). Uses the safetensors package when installed; the format is small."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    metadata = header.pop("__metadata__", {})
    try:
        from safetensors.torch import load_file
        return load_file(path), metadata
    except ImportError:
        pass
    dtypes = {"F32": torch.float32, "U8": torch.uint8, "I64": torch.int64, "F64": torch.float64}
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtypes[entry["dtype"]])
        tensors[name] = t.reshape(entry["shape"])
    return tensors, metadata


def write_safetensors(path, tensors, metadata=None):
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        blob = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def load_checkpoint(path):
    """A vkvae checkpoint as (module with its weights, options dict)."""
    tensors, metadata = read_safetensors(path)
    options = json.loads(metadata["config"])
    model = make_model(options)
    weights = {k: v for k, v in tensors.items() if not k.startswith("optimizer.")}
    model.load_state_dict(weights)  # strict: every name and shape must match
    return model, options


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return torch.frombuffer(bytearray(data[4 + 4 * rank:]), dtype=torch.uint8).reshape(dims)


def find_idx(directory, name, required=True):
    for candidate in (name, name + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            return path
    if required:
        sys.exit(f"vkvae_torch.py: error: no {name} in {directory}")
    return None


def split(directory, prefix, classes=CLASSES):
    """A split of MNIST-layout IDX files, grey (idx3) or colour (idx4, channels last), as vkvae
    reads them: images (N, C·H·W) in [0, 1], channels first; one-hot labels (zeros if none)."""
    path = find_idx(directory, f"{prefix}-images-idx3-ubyte", False) or find_idx(directory, f"{prefix}-images-idx4-ubyte")
    images = read_idx(path)
    images = images.permute(0, 3, 1, 2) if images.dim() == 4 else images.unsqueeze(1)
    split.shape = tuple(images.shape[1:])  # (C, H, W) of the last split read
    images = images.reshape(len(images), -1).float() / 255.0
    labels_path = find_idx(directory, f"{prefix}-labels-idx1-ubyte", False)
    if labels_path is None:
        return images, torch.zeros(len(images), max(classes, 1))
    return images, F.one_hot(read_idx(labels_path).long(), max(classes, 1)).float()


def test_set(directory, classes=CLASSES):
    return split(directory, "t10k", classes)


def check(args):
    model, options = load_checkpoint(args.checkpoint)
    images, one_hot = test_set(args.data or options["data"], options.get("classes", CLASSES))
    torch.manual_seed(0)
    recon_sum = kl_sum = 0.0
    with torch.no_grad():
        for start in range(0, len(images), 500):
            x, y = images[start:start + 500], one_hot[start:start + 500]
            if options["binarize"] == "dynamic":
                x = torch.bernoulli(x)
            eps = torch.randn(len(x), options["latent"])
            recon, kl = losses(model, x, y, eps, options["loss"])
            recon_sum += recon.double().sum().item()
            kl_sum += kl.double().sum().item()
    n = len(images)
    loss = (recon_sum + kl_sum) / n
    run_dir = os.path.dirname(os.path.dirname(os.path.abspath(args.checkpoint)))
    history = json.loads(read_safetensors(args.checkpoint)[1]["progress"])["history"]
    print(f"PyTorch: test loss {loss:.3f} (recon {recon_sum / n:.3f}, kl {kl_sum / n:.3f}) nats per example")
    if not history:
        print("the checkpoint records no finished epoch to compare with")
        return 0
    theirs = history[-1]["test_loss"]
    print(f"vkvae ({run_dir}): test loss {theirs:.3f} at epoch {history[-1]['epoch']}")
    # Both are one-sample estimates with different noise: they agree to Monte Carlo error.
    ok = abs(loss - theirs) <= args.tolerance
    print(("agree" if ok else "DISAGREE") + f" within {args.tolerance} nats (difference {loss - theirs:+.3f})")
    return 0 if ok else 1


def training_set(directory, classes=CLASSES):
    return split(directory, "train", classes)


def evaluate(model, images, one_hot, latent, loss):
    recon_sum = kl_sum = 0.0
    with torch.no_grad():
        for start in range(0, len(images), 500):
            x, y = images[start:start + 500], one_hot[start:start + 500]
            recon, kl = losses(model, x, y, torch.randn(len(x), latent), loss)
            recon_sum += recon.double().sum().item()
            kl_sum += kl.double().sum().item()
    return recon_sum / len(images), kl_sum / len(images)


def train(args):
    """The recipe as vkvae-train runs it: Adam on the batch mean of recon + KL, a fresh shuffle
    each epoch, ⌊N / batch⌋ steps (the last partial batch dropped), one-sample test loss."""
    import time
    torch.set_num_threads(args.threads)  # this build of PyTorch starts with one
    torch.manual_seed(args.seed)
    spec, batch, lr, loss_kind = recipe(args.model)
    latent = spec["latent"]
    images, one_hot = training_set(args.data)
    model = SpecVAE(spec, split.shape)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    test_images, test_one_hot = test_set(args.data)
    out = open(args.out, "w") if args.out else sys.stdout
    step = 0
    for epoch in range(1, args.epochs + 1):
        start, recon_sum, kl_sum = time.time(), 0.0, 0.0
        order = torch.randperm(len(images))
        steps = len(images) // batch
        for s in range(steps):
            rows = order[s * batch:(s + 1) * batch]
            x, y = images[rows], one_hot[rows]
            recon, kl = losses(model, x, y, torch.randn(batch, latent), loss_kind)
            loss = (recon.sum() + kl.sum()) / batch
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            recon_sum += recon.detach().double().sum().item()
            kl_sum += kl.detach().double().sum().item()
            step += 1
        seconds = time.time() - start
        test_recon, test_kl = evaluate(model, test_images, test_one_hot, latent, loss_kind)
        n = steps * batch
        record = {"epoch": epoch, "step": step, "train_loss": (recon_sum + kl_sum) / n, "test_loss": test_recon + test_kl,
                  "test_recon": test_recon, "test_kl": test_kl, "samples_per_s": n / seconds, "seconds": seconds}
        print(json.dumps(record), file=out, flush=True)
    return 0


def importance_nll(args):
    """-log p(x) estimated with K importance samples per image, as `vkvae-train evaluate --k K`."""
    model, options = load_checkpoint(args.checkpoint)
    if options["loss"] != "bce":
        sys.exit("vkvae_torch.py: error: the importance-weighted estimate needs the BCE likelihood")
    images, one_hot = test_set(args.data or options["data"], options.get("classes", CLASSES))
    images, one_hot = images[:args.limit], one_hot[:args.limit]
    torch.manual_seed(0)
    total = 0.0
    with torch.no_grad():
        for x, y in zip(images, one_hot):
            x, y = x.expand(args.k, -1), y.expand(args.k, -1)
            mu, logvar = model.encode(x, y)
            eps = torch.randn_like(mu)
            z = mu + torch.exp(0.5 * logvar) * eps
            recon = F.binary_cross_entropy_with_logits(model.decode(z, y), x, reduction="none").sum(1)
            log_w = -recon + 0.5 * (eps * eps - z * z + logvar).sum(1)  # log p(x|z) + log p(z) − log q(z|x)
            total += -(torch.logsumexp(log_w.double(), 0) - math.log(args.k)).item()
    print(f"PyTorch: importance-weighted NLL (k={args.k}) of the first {len(images)} test images: {total / len(images):.3f} nats")
    return 0


def init(args):
    torch.manual_seed(args.seed)
    spec = load_spec(args.model)
    spec["latent"] = args.latent or spec["latent"]
    if args.hidden:
        spec["hidden"] = args.hidden
    shape, classes = IMAGE, CLASSES
    if args.data:  # the data's shape and classes, as vkvae-train takes them
        _, one_hot = training_set(args.data)
        shape, classes = split.shape, one_hot.shape[1]
    model = SpecVAE(spec, shape, classes)
    write_safetensors(args.out, model.state_dict())
    print(f"wrote {args.out}: {sum(p.numel() for p in model.parameters())} parameters of a PyTorch {args.model}")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="evaluate a vkvae checkpoint in PyTorch and compare")
    c.add_argument("checkpoint")
    c.add_argument("--data", help="MNIST-layout IDX directory (default: the run's)")
    c.add_argument("--tolerance", type=float, default=0.5, help="nats (default 0.5)")
    w = sub.add_parser("iwae", help="importance-weighted NLL of a checkpoint in PyTorch (compare: vkvae-train evaluate --k)")
    w.add_argument("checkpoint")
    w.add_argument("--k", type=int, default=100)
    w.add_argument("--limit", type=int, default=500, help="the first N test images")
    w.add_argument("--data", help="MNIST-layout IDX directory (default: the run's)")
    i = sub.add_parser("init", help="write PyTorch-initialized weights for vkvae-train --init")
    i.add_argument("model", help="a built-in model (%s) or a spec file" % ", ".join(builtin_names()))
    i.add_argument("out")
    i.add_argument("--seed", type=int, default=0)
    i.add_argument("--latent", type=int)
    i.add_argument("--hidden", type=int)
    i.add_argument("--data", help="the data the weights are for (default: MNIST's shape)")
    t = sub.add_parser("train", help="train a recipe with PyTorch (the quality benchmark's reference)")
    t.add_argument("model", help="a built-in model (%s) or a spec file" % ", ".join(builtin_names()))
    t.add_argument("--epochs", type=int, default=10)
    t.add_argument("--data", default="data/mnist")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--out", help="JSON lines file (default: stdout)")
    t.add_argument("--threads", type=int, default=os.cpu_count(), help="CPU threads (default: all)")
    args = parser.parse_args()
    return {"check": check, "iwae": importance_nll, "init": init, "train": train}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
