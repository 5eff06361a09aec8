#!/usr/bin/env python3
"""Writes one module with many functions for the threading tests.

    many_functions.py SRC_ROOT COPIES OUT

Every function of the bundled examples (ResNet blocks in f32/f16/bf16) and
of the recurrent test inputs (LSTM, GRU, RNN) is copied COPIES times under
new names, with each file's dense_resource keys made unique, so MLIR's pass
manager has many functions to run the function passes on in parallel.
"""
import pathlib
import re
import sys

SOURCES = ["examples/resnet_block.mlir", "examples/resnet_block_f16.mlir",
           "examples/resnet_block_bf16.mlir", "test/Runtime/Inputs/rnn_lstm.mlir",
           "test/Runtime/Inputs/rnn_gru.mlir", "test/Runtime/Inputs/rnn_vanilla.mlir"]


def split(text):
    """(functions text, {key: blob}) of one module."""
    body, _, resources = text.partition("{-#")
    blobs = dict(re.findall(r'^\s*([A-Za-z_][\w.$-]*): "(0x[0-9A-Fa-f]*)"', resources, re.M))
    body = re.sub(r"^\s*//.*$", "", body, flags=re.M)
    body = body.strip()
    if body.startswith("module"):
        body = body[body.index("{") + 1:body.rindex("}")]
    return body, blobs


def main():
    src, copies, out = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    funcs, blobs = [], {}
    for f, name in enumerate(SOURCES):
        body, file_blobs = split((src / name).read_text())
        for key, blob in file_blobs.items():
            blobs[f"f{f}_{key}"] = blob
        for key in file_blobs:
            body = re.sub(rf"dense_resource<{re.escape(key)}>", f"dense_resource<f{f}_{key}>", body)
        for c in range(copies):
            funcs.append(re.sub(r"func\.func @(\w+)", rf"func.func @\1_{f}_{c}", body))
    text = "module {\n" + "\n".join(funcs) + "\n}\n"
    if blobs:
        text += "{-#\n  dialect_resources: {\n    builtin: {\n"
        text += ",\n".join(f'      {k}: "{v}"' for k, v in blobs.items())
        text += "\n    }\n  }\n#-}\n"
    pathlib.Path(out).write_text(text)
    print(f"{len(funcs)} functions")


if __name__ == "__main__":
    main()
