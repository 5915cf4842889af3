"""Writes .safetensors files without the safetensors package (Debian 12 does not ship it).

The format: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
shape and byte range, then the raw little-endian data.
"""

import json
import struct
from pathlib import Path


def write_safetensors(path, tensors, metadata=None):
    """tensors: name -> (dtype, array), dtype "F64", "F32", "F16" or "BF16" (then the array holds
    the 16-bit patterns); each array is written as its bytes, in C order."""
    header, data = {}, b""
    for name, (dtype, array) in tensors.items():
        raw = array.tobytes(order="C")
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    header["__metadata__"] = dict(metadata or {"format": "pt"})
    text = json.dumps(header).encode()
    Path(path).write_bytes(struct.pack("<Q", len(text)) + text + data)
