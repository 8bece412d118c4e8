#!/usr/bin/env python3
"""bench/scaling_model.py SPEC C H W [--devices 2 8] — a model, not a measurement, of data-parallel
scaling on real GPUs with vkvae's host-staged exchange: at what global batch D devices reach 80 %
scaling efficiency, with the gradients sent all at once after the backward pass (--bucket-mb 0),
in buckets while it runs (the default), and with a reduce-scatter in place of the all-gather
(designed, not built). Every assumption is a flag and printed with the tables.

A step on D devices at global batch B: t0 (dispatch latency and barriers), the forward pass
(B/D)·2M/R, then the backward pass layer by layer from the last, (B/D)·4m/R a layer (M the
forward's multiply-adds of an example, m a layer's, R the achieved FLOP rate). The gradient arena
is cut into buckets from its end (the last layers) as the step cuts it; a bucket leaves once the
backward pass has passed its first layer, one after the other, each taking
    all-gather:      bytes/pcie (its sum to the host) + D·bytes/pcie (every sum back)
                     + D²·bytes/host (the host's copies between staging buffers) + sync
    reduce-scatter:  bytes/pcie + bytes/pcie (the slices to their owners) + bytes/(D·pcie) (the
                     slice's sum out) + bytes/pcie (every slice back) + 2·D·bytes/host + 2·sync
and the step ends when the backward pass and the last bucket are done. Efficiency
E = t_1(B) / (D · t_D(B)); the batch for 80 % is the least multiple of D with E ≥ 0.8.
"""
import argparse
import json
import math


def walk(spec, c, h, w):
    """(parameters, forward multiply-adds) of one example for each layer in the parameter arena's
    order: encoder, heads, decoder."""
    hidden, latent, data = spec.get("hidden"), spec["latent"], c
    found = []
    shape = (c, h, w)

    def size(v):
        return hidden if v == "hidden" else data if v == "data" else v

    def layers(items, shape):
        for layer in items:
            kind = layer["type"]
            if kind == "flatten":
                shape = (math.prod(shape),)
            elif kind == "unflatten":
                shape = tuple(layer["shape"])
            elif kind == "linear":
                n_in, n_out = shape[0], size(layer["out"])
                found.append((n_in * n_out + n_out, n_in * n_out))
                shape = (n_out,)
            elif kind in ("conv2d", "conv_transpose2d"):
                c_in, h_in, w_in = shape
                c_out, k = size(layer["out"]), layer["kernel"]
                s, p, op = layer.get("stride", 1), layer.get("padding", 0), layer.get("output_padding", 0)
                if kind == "conv2d":
                    h_out, w_out = (h_in + 2 * p - k) // s + 1, (w_in + 2 * p - k) // s + 1
                    macs = c_in * c_out * k * k * h_out * w_out
                else:
                    h_out, w_out = (h_in - 1) * s - 2 * p + k + op, (w_in - 1) * s - 2 * p + k + op
                    macs = c_in * c_out * k * k * h_in * w_in
                found.append((c_in * c_out * k * k + c_out, macs))
                shape = (c_out, h_out, w_out)
            else:
                raise SystemExit(f"bench/scaling_model.py: layer type {kind} is not modelled")
        return shape

    shape = layers(spec["encoder"], shape)
    features = math.prod(shape)
    found.append((2 * (features * latent + latent), 2 * features * latent))  # the μ and log σ² heads
    layers(spec["decoder"], (latent,))
    return found


def buckets(layers, bucket_bytes):
    """(bytes, index of the bucket's first layer) from the arena's end, as the step cuts it."""
    out, gathered = [], 0
    for i in range(len(layers) - 1, -1, -1):
        gathered += 4 * layers[i][0]
        if gathered >= bucket_bytes or i == 0:
            out.append((gathered, i))
            gathered = 0
    return out


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
    ap.add_argument("--bucket-mb", type=float, default=1.0, help="MiB a bucket, as vkvae-train's flag (default 1)")
    ap.add_argument("--efficiency", type=float, default=0.8)
    a = ap.parse_args()
    spec = json.load(open(a.spec))
    layers = walk(spec, *a.shape)
    params, macs = sum(p for p, _ in layers), sum(m for _, m in layers)
    grad_bytes = 4 * params
    rate = a.tflops * 1e12 / 1e3  # FLOP a millisecond
    pcie, host = a.pcie_gbs * 1e6, a.host_gbs * 1e6  # bytes a millisecond
    cut = buckets(layers, a.bucket_mb * (1 << 20))
    print(f"{a.spec} on {a.shape[0]}×{a.shape[1]}×{a.shape[2]}: {params:,} parameters ({grad_bytes / 1e6:.2f} MB of gradients, "
          f"{len(cut)} buckets of {a.bucket_mb:g} MiB), {6 * macs / 1e6:.1f} MFLOP an example's step → "
          f"{6 * macs / rate * 1e3:.2f} µs an example at {a.tflops:g} TFLOP/s")
    print(f"assumed: t0 {a.step_ms} ms, PCIe {a.pcie_gbs:g} GB/s each way, host copies {a.host_gbs:g} GB/s, sync {a.sync_ms} ms a submit")
    print()

    def exchange(d, nbytes, scatter):
        if scatter:
            return 3 * nbytes / pcie + nbytes / (d * pcie) + 2 * d * nbytes / host + 2 * a.sync_ms
        return (1 + d) * nbytes / pcie + d * d * nbytes / host + a.sync_ms

    def step(d, batch, plan, scatter=False):
        """ms a step: the backward pass from the last layer, each bucket sent once it is ready."""
        return timeline(d, batch, plan, scatter)[0]

    def timeline(d, batch, plan, scatter=False):
        """(the step's end, the backward pass's end) in ms."""
        b = batch / d
        forward_end = a.step_ms + b * 2 * macs / rate
        if d == 1:
            end = forward_end + b * 4 * macs / rate
            return end, end
        done = [forward_end]  # when the backward pass has passed layer i, from the last
        for _, m in reversed(layers):
            done.append(done[-1] + b * 4 * m / rate)
        backward_end = done[-1]
        sent = 0.0
        for nbytes, first in plan:
            ready = done[len(layers) - first]
            sent = max(sent, ready) + exchange(d, nbytes, scatter)
        return max(backward_end, sent), backward_end

    def efficiency(d, batch, plan, scatter=False):
        return step(1, batch, plan) / (d * step(d, batch, plan, scatter))

    def batch_for(d, plan, scatter=False):
        if efficiency(d, d * 2**40, plan, scatter) < a.efficiency:
            return "never"
        lo, hi = 1, 2**40  # in shards of a device
        while lo < hi:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if efficiency(d, d * mid, plan, scatter) >= a.efficiency else (mid + 1, hi)
        return f"{d * lo:,}"

    whole = [(grad_bytes, 0)]
    print("| devices | exchange, all at once (ms) | after the backward pass, in buckets (ms) "
          f"| batch for {a.efficiency:.0%}: all at once | in buckets | in buckets, reduce-scatter (not built) "
          "| efficiency in buckets at 128 | at 1024 |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for d in a.devices:
        at_once = exchange(d, grad_bytes, False)
        b = 1024
        end, backward_end = timeline(d, b, cut)
        print(f"| {d} | {at_once:.2f} | {end - backward_end:.2f} at batch {b} | {batch_for(d, whole)} | {batch_for(d, cut)} "
              f"| {batch_for(d, cut, True)} | {efficiency(d, 128, cut):.0%} | {efficiency(d, 1024, cut):.0%} |")


if __name__ == "__main__":
    main()
