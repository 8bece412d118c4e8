#!/usr/bin/env python3
"""bench/scaling_model.py SPEC C H W [--devices 2 8] — a model, not a measurement, of data-parallel
scaling on real GPUs with vkvae's host-staged exchange: at what global batch D devices reach 80 %
scaling efficiency. Every assumption is a flag and printed with the table.

A step on D devices at global batch B takes
    t_D(B) = t0 + (B / D) · c + t_x(D)       (the exchange is not overlapped with the backward pass)
with c the training FLOPs of one example (3 × the forward's multiply-adds × 2) over the achieved
FLOP rate, t0 a step's fixed cost (dispatch latency and barriers), and
    t_x(D) = bytes / pcie                    (the device's sum to host memory)
           + D · bytes / pcie                (every sum back to each device, links in parallel)
           + D² · bytes / host               (the host's copies between the staging buffers)
           + 2 · sync                        (two submits a step and their waits)
for D > 1 (t_x(1) = 0). Efficiency E = t_1(B) / (D · t_D(B)); E ≥ 0.8 solves for B.
"""
import argparse
import json
import math


def walk(spec, c, h, w):
    """Parameters and forward multiply-adds of one example, through encoder, heads and decoder."""
    hidden, latent, data = spec.get("hidden"), spec["latent"], c
    params = macs = 0
    shape = (c, h, w)

    def size(v):
        return hidden if v == "hidden" else data if v == "data" else v

    def layers(items, shape):
        nonlocal params, macs
        for layer in items:
            kind = layer["type"]
            if kind == "flatten":
                shape = (math.prod(shape),)
            elif kind == "unflatten":
                shape = tuple(layer["shape"])
            elif kind == "linear":
                n_in, n_out = shape[0], size(layer["out"])
                params += n_in * n_out + n_out
                macs += n_in * n_out
                shape = (n_out,)
            elif kind in ("conv2d", "conv_transpose2d"):
                c_in, h_in, w_in = shape
                c_out, k = size(layer["out"]), layer["kernel"]
                s, p, op = layer.get("stride", 1), layer.get("padding", 0), layer.get("output_padding", 0)
                params += c_in * c_out * k * k + c_out
                if kind == "conv2d":
                    h_out, w_out = (h_in + 2 * p - k) // s + 1, (w_in + 2 * p - k) // s + 1
                    macs += c_in * c_out * k * k * h_out * w_out
                else:
                    h_out, w_out = (h_in - 1) * s - 2 * p + k + op, (w_in - 1) * s - 2 * p + k + op
                    macs += c_in * c_out * k * k * h_in * w_in
                shape = (c_out, h_out, w_out)
            else:
                raise SystemExit(f"bench/scaling_model.py: layer type {kind} is not modelled")
        return shape

    shape = layers(spec["encoder"], shape)
    features = math.prod(shape)
    params += 2 * (features * latent + latent)  # the μ and log σ² heads
    macs += 2 * features * latent
    layers(spec["decoder"], (latent,))
    return params, macs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("spec")
    ap.add_argument("shape", nargs=3, type=int, metavar=("C", "H", "W"))
    ap.add_argument("--devices", nargs="+", type=int, default=[2, 8])
    ap.add_argument("--tflops", type=float, default=10.0, help="achieved fp32 TFLOP/s on these layers (default 10)")
    ap.add_argument("--step-ms", type=float, default=0.3, help="a step's fixed cost, t0 (default 0.3 ms)")
    ap.add_argument("--pcie-gbs", type=float, default=25.0, help="GB/s each way on a device's link (PCIe 4.0 x16: 25)")
    ap.add_argument("--host-gbs", type=float, default=10.0, help="GB/s of the host's staging copies (one thread, default 10)")
    ap.add_argument("--sync-ms", type=float, default=0.05, help="a submit and its wait (default 0.05 ms)")
    ap.add_argument("--efficiency", type=float, default=0.8)
    a = ap.parse_args()
    spec = json.load(open(a.spec))
    params, macs = walk(spec, *a.shape)
    grad_bytes = 4 * params
    c_ms = 3 * 2 * macs / (a.tflops * 1e12) * 1e3  # ms an example
    print(f"{a.spec} on {a.shape[0]}×{a.shape[1]}×{a.shape[2]}: {params:,} parameters ({grad_bytes / 1e6:.2f} MB of gradients), "
          f"{6 * macs / 1e6:.1f} MFLOP an example's step → {c_ms * 1e3:.2f} µs an example at {a.tflops:g} TFLOP/s")
    print(f"assumed: t0 {a.step_ms} ms, PCIe {a.pcie_gbs:g} GB/s each way, host copies {a.host_gbs:g} GB/s, sync {a.sync_ms} ms a submit")
    print()
    print(f"| devices | exchange a step (ms) | global batch for {a.efficiency:.0%} efficiency | efficiency at batch 128 | at 1024 |")
    print("| --- | --- | --- | --- | --- |")
    for d in a.devices:
        tx = grad_bytes / (a.pcie_gbs * 1e9) * 1e3 * (1 + d) + d * d * grad_bytes / (a.host_gbs * 1e9) * 1e3 + 2 * a.sync_ms
        def eff(b):
            return (a.step_ms + b * c_ms) / (d * (a.step_ms + b / d * c_ms + tx))
        e = a.efficiency
        need = (e * d * (a.step_ms + tx) - a.step_ms) / ((1 - e) * c_ms)
        batch = max(d, math.ceil(need / d) * d)  # a whole number of shards a device
        print(f"| {d} | {tx:.2f} | {batch:,} | {eff(128):.0%} | {eff(1024):.0%} |")


if __name__ == "__main__":
    main()
