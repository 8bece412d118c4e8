#!/usr/bin/env python3
"""PyTorch's training step of vkvae's mlp and conv VAEs: the peer bench/gpu.sh sets beside
vkvae_step_bench. The step is vkvae's: encode, reparameterize with fresh noise, decode, the
BCE-with-logits and KL terms averaged over the batch, backward, one Adam step.

    bench/torch_step.py --model conv --batch 128 --device cuda --mode eager|compile|cudagraph

Prints one JSON object: model, batch, device, mode, torch, samples_per_s (null where the mode
cannot run here, with "why"). The data are random: speed only.
"""
import argparse
import json
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import vkvae_torch  # noqa: E402  (the models with vkvae's names and layouts)



def measure(step, sync, seconds):
    for _ in range(5):  # warm-up: kernels chosen, compiled, graphs captured
        step()
    sync()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(10):
            step()
        steps += 10
        sync()
    return steps / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=["mlp", "conv"], default="conv")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--mode", choices=["eager", "compile", "cudagraph"], default="eager")
    parser.add_argument("--seconds", type=float, default=3.0)
    # PyTorch's own choice by default, as a user gets it: on the 2-vCPU VM it takes 1 intra-op
    # thread, and 2 ran 3x slower there (OpenBLAS's threads on top of them oversubscribe).
    parser.add_argument("--threads", type=int, help="CPU threads (default: PyTorch's own choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    result = {"model": args.model, "batch": args.batch, "device": args.device, "mode": args.mode, "torch": torch.__version__,
              "threads": torch.get_num_threads()}

    def unavailable(why):
        result.update(samples_per_s=None, why=why)
        print(json.dumps(result))
        return 0

    if args.mode == "compile" and not hasattr(torch, "compile"):
        return unavailable("torch.compile needs PyTorch 2")
    if args.mode == "cudagraph" and not args.device.startswith("cuda"):
        return unavailable("CUDA graphs need a CUDA device")
    device = torch.device(args.device)
    torch.manual_seed(0)
    # The built-in spec at its own sizes, as vkvae_step_bench builds it, on MNIST's 28×28.
    model = vkvae_torch.make_model({"model": args.model}).to(device)
    latent = model.spec["latent"]
    x = torch.rand(args.batch, math.prod(vkvae_torch.IMAGE), device=device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, capturable=args.mode == "cudagraph")

    def loss_of(images):
        eps = torch.randn(images.shape[0], latent, device=images.device)
        recon, kl = vkvae_torch.losses(model, images, None, eps)
        return (recon + kl).mean()

    forward = torch.compile(loss_of) if args.mode == "compile" else loss_of

    def step():
        optimizer.zero_grad(set_to_none=True)
        forward(x).backward()
        optimizer.step()

    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    if args.mode == "cudagraph":
        # The whole step captured once (PyTorch's recipe: warm up on a side stream first).
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                step()
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        optimizer.zero_grad(set_to_none=True)
        with torch.cuda.graph(graph):
            forward(x).backward()
            optimizer.step()
        step = graph.replay
    result["samples_per_s"] = measure(step, sync, args.seconds) * args.batch
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
