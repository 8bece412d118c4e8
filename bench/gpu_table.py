#!/usr/bin/env python3
"""The table of bench/gpu.sh from the files it leaves in OUT: ops.json and step.json (Google
Benchmark's JSON of vkvae_ops_bench and vkvae_step_bench) and torch.jsonl (bench/torch_step.py's
lines). Prints Markdown: samples/s of each step and how busy it kept the device (two submits in
flight, as training) beside each PyTorch mode with their ratios, the
square GEMM's GFLOP/s as a fraction of the measured FMA peak, each Linear weight gradient at
batch 1024 unsplit beside split along the batch (ops::split_k_slices), and each pass of the
one-channel layers through the narrow shared-memory shapes (narrow_tiled.json) beside the
register kernels (narrow_registers.json), which decides KernelProfile::narrow_tiles (a pass the
narrow shapes do not take, such as a one-channel input's gradient, shows about 1×).

    bench/gpu_table.py OUT
"""
import json
import os
import re
import sys


def benchmarks(path):
    with open(path) as f:
        return json.load(f).get("benchmarks", [])


def milliseconds(entry):
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[entry.get("time_unit", "ns")]
    return float(entry["real_time"]) * scale


def rate(entry, counter):
    value = entry.get(counter)
    return float(value) if value is not None else None


def main(out):
    ops = benchmarks(os.path.join(out, "ops.json"))
    steps = benchmarks(os.path.join(out, "step.json"))
    torch_rows = []
    path = os.path.join(out, "torch.jsonl")
    if os.path.exists(path):
        with open(path) as f:
            torch_rows = [json.loads(line) for line in f if line.strip()]
    modes = [m for m in ("eager", "compile", "cudagraph") if any(r["mode"] == m for r in torch_rows)]
    names = {"eager": "PyTorch eager", "compile": "torch.compile", "cudagraph": "CUDA graphs"}

    lines = ["| step | vkvae samples/s | device busy | " + " | ".join(f"{names[m]} | vkvae ÷ it" for m in modes) + " |",
             "| --- | ---: | ---: | " + " | ".join("---: | ---:" for _ in modes) + " |"]
    for entry in steps:
        match = re.match(r"(mlp|conv)/(\d+)", entry["name"])
        if not match or entry.get("run_type") == "aggregate" and entry.get("aggregate_name") != "median":
            continue
        model, batch = match.group(1), int(match.group(2))
        ours = rate(entry, "samples/s")
        cells = []
        for m in modes:
            theirs = next((r["samples_per_s"] for r in torch_rows if (r["model"], r["batch"], r["mode"]) == (model, batch, m)), None)
            cells.append("n/a | n/a" if not theirs else f"{theirs:,.0f} | {ours / theirs:.2f}×")
        busy = rate(entry, "device_busy_%")
        busy_cell = "n/a" if busy is None else f"{busy:.0f} %"
        lines.append(f"| {model} batch {batch} | {ours:,.0f} | {busy_cell} | " + " | ".join(cells) + " |")

    peak = next((rate(e, "GFLOP/s") for e in ops if e["name"].startswith("peak_fma")), None)
    for e in ops:
        match = re.match(r"gemm/square_(\d+)", e["name"])
        if match and peak:
            gflops = rate(e, "GFLOP/s") / 1e9
            lines.append("")
            lines.append(f"GEMM {match.group(1)}³: {gflops:,.1f} GFLOP/s, {100 * gflops / (peak / 1e9):.0f} % of the measured "
                         f"FMA peak ({peak / 1e9:,.1f} GFLOP/s, shaders/peak_fma.comp)")
    split = {}
    for e in ops:
        match = re.match(r"linear_backward_weight(_split)?/(\w+)/B(\d+)", e["name"])
        if match and rate(e, "GFLOP/s"):
            split.setdefault((match.group(2), int(match.group(3))), {})[bool(match.group(1))] = rate(e, "GFLOP/s") / 1e9
    if split:
        lines += ["", "| weight gradient | unsplit GFLOP/s | split-K GFLOP/s | split ÷ unsplit |", "| --- | ---: | ---: | ---: |"]
        for (layer, batch), r in sorted(split.items()):
            if False in r and True in r:
                lines.append(f"| {layer} batch {batch} | {r[False]:,.1f} | {r[True]:,.1f} | {r[True] / r[False]:.2f}× |")
    narrow = {}
    for variant in ("tiled", "registers"):
        path = os.path.join(out, f"narrow_{variant}.json")
        for e in benchmarks(path) if os.path.exists(path) else []:
            match = re.match(r"(conv\w*)/(\w+)/B(\d+)", e["name"])
            if match and e.get("run_type", "iteration") == "iteration":
                narrow.setdefault(match.groups(), {})[variant] = milliseconds(e)
    if narrow:
        lines += ["", "| one-channel layer pass | narrow tiles ms | register kernels ms | registers ÷ tiles |",
                  "| --- | ---: | ---: | ---: |"]
        for (op, layer, batch), r in sorted(narrow.items(), key=lambda item: (item[0][1], item[0][0])):
            if "tiled" in r and "registers" in r:
                lines.append(f"| {op} {layer} batch {batch} | {r['tiled']:.3f} | {r['registers']:.3f} | "
                             f"{r['registers'] / r['tiled']:.2f}× |")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: bench/gpu_table.py OUT")
    sys.exit(main(sys.argv[1]))
