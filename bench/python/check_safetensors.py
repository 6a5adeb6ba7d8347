#!/usr/bin/env python3
"""Read or write safetensors files with only json + struct + torch (no `safetensors` package needed).

Used to check that files written by SimVae.Torch.Serialization.SafeTensors are readable from PyTorch, and
that files written from PyTorch load in C#.

  check_safetensors.py read FILE [--json]   list name, dtype, shape and sum of each tensor (+ metadata)
  check_safetensors.py write FILE           write a fixed set of tensors of every dtype, print their sums as JSON
"""
import json
import struct
import sys

import torch

MAX_HEADER = 100_000_000

DTYPES = {
    "F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
    "BOOL": torch.bool,
}
NAMES = {v: k for k, v in DTYPES.items()}


def fail(message):
    raise SystemExit(f"invalid safetensors file: {message}")


def read(path):
    """Returns (tensors by name, metadata), validating lengths and offsets."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        fail(f"{len(data)} bytes, fewer than the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER or n > len(data) - 8:
        fail(f"header length {n} is out of range for a {len(data)}-byte file")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    if not isinstance(header, dict):
        fail("header is not a JSON object")
    metadata = header.pop("__metadata__", {})
    buffer = memoryview(data)[8 + n:]
    tensors, ranges = {}, []
    for name, entry in header.items():
        dtype = DTYPES.get(entry["dtype"])
        if dtype is None:
            fail(f"tensor {name!r}: unknown dtype {entry['dtype']!r}")
        shape = [int(s) for s in entry["shape"]]
        begin, end = (int(o) for o in entry["data_offsets"])
        numel = 1
        for s in shape:
            if s < 0:
                fail(f"tensor {name!r}: negative dimension")
            numel *= s
        size = numel * torch.empty((), dtype=dtype).element_size()
        if not 0 <= begin <= end <= len(buffer) or end - begin != size:
            fail(f"tensor {name!r}: data_offsets [{begin}, {end}] do not hold {size} bytes in a {len(buffer)}-byte buffer")
        ranges.append((begin, end, name))
        if numel == 0:
            t = torch.empty(shape, dtype=dtype)
        else:
            t = torch.frombuffer(bytearray(buffer[begin:end]), dtype=dtype).reshape(shape)
        tensors[name] = t
    position = 0
    for begin, end, name in sorted(ranges):
        if begin != position:
            fail(f"tensor {name!r} starts at {begin}, expected {position} (gap or overlap)")
        position = end
    if position != len(buffer):
        fail(f"{len(buffer) - position} trailing bytes belong to no tensor")
    return tensors, metadata


def to_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: reinterpret the bits
        t = t.view(torch.int16)
    return t.numpy().tobytes()


def write(path, tensors, metadata=None):
    """Writes the header in name order but the data in reverse name order (readers must follow the offsets)."""
    header = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    chunks, offset = [], 0
    for name in sorted(tensors, reverse=True):
        raw = to_bytes(tensors[name])
        chunks.append(raw)
        header[name] = {"dtype": NAMES[tensors[name].dtype], "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    header = dict(sorted(header.items()))
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)


def tensor_sum(t):
    if t.dtype.is_floating_point:
        return float(t.double().sum().item())
    return int(t.long().sum().item())


def summary(tensors, metadata):
    return {"metadata": metadata,
            "tensors": {name: {"dtype": NAMES[t.dtype], "shape": list(t.shape), "sum": tensor_sum(t)}
                        for name, t in sorted(tensors.items())}}


def sample_tensors():
    return {
        "f32": (torch.arange(6, dtype=torch.float32).reshape(2, 3) * 0.5 - 1.0),
        "f64": torch.tensor([1e-300, 3.25, -2.0], dtype=torch.float64),
        "f16": torch.tensor([0.5, -1.25, 65504.0], dtype=torch.float16),
        "bf16": torch.tensor([[1.0, -2.5], [3.0e38, 0.0078125]], dtype=torch.bfloat16),
        "i64": torch.tensor([2 ** 62, -5, 7], dtype=torch.int64),
        "i32": torch.tensor([-2 ** 31, 2 ** 31 - 1, 3], dtype=torch.int32),
        "i16": torch.tensor([-32768, 32767, -2], dtype=torch.int16),
        "i8": torch.tensor([-128, 127, 1], dtype=torch.int8),
        "u8": torch.tensor([0, 255, 17], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True, True], dtype=torch.bool),
        "scalar": torch.tensor(42.5, dtype=torch.float32),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
    }


def main(argv):
    if len(argv) >= 2 and argv[0] == "read":
        tensors, metadata = read(argv[1])
        s = summary(tensors, metadata)
        if "--json" in argv[2:]:
            print(json.dumps(s))
        else:
            for name, info in s["tensors"].items():
                print(f"{name}\t{info['dtype']}\t{info['shape']}\tsum={info['sum']}")
            for key, value in sorted(metadata.items()):
                print(f"metadata {key}={value}")
        return 0
    if len(argv) == 2 and argv[0] == "write":
        tensors = sample_tensors()
        metadata = {"writer": "check_safetensors.py", "torch": torch.__version__}
        write(argv[1], tensors, metadata)
        print(json.dumps(summary(tensors, metadata)))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
