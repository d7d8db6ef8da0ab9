"""Finds and opens the weights of a Hugging Face checkpoint folder, sharded or not."""
import json
import os

from .errors import ConversionError
from .safetensors_io import read_safetensors
from .torch_pickle import read_torch_bin

# In the order transformers prefers them.
WEIGHT_FILES = (
    ("model.safetensors", read_safetensors),
    ("model.safetensors.index.json", read_safetensors),
    ("pytorch_model.bin", read_torch_bin),
    ("pytorch_model.bin.index.json", read_torch_bin),
)


def load_state_dict(folder):
    """(file name, {name: Tensor}) for the first weights file found in folder."""
    for name, read in WEIGHT_FILES:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return name, (_read_sharded(path, read) if name.endswith(".index.json") else read(path))
    raise ConversionError(f"no weights in {folder}: expected one of "
                          + ", ".join(name for name, _ in WEIGHT_FILES))


def _read_sharded(index_path, read):
    """Reads the shards a *.index.json names, taking from each shard the tensors the index
    assigns to it (a shard may hold others that the index leaves out)."""
    try:
        with open(index_path, encoding="utf-8") as f:
            weight_map = json.load(f)["weight_map"]
        if not isinstance(weight_map, dict):
            raise TypeError("weight_map is not an object")
    except (ValueError, KeyError, TypeError) as e:
        raise ConversionError(f"{index_path}: not a valid index ({e})") from None
    folder, shards, tensors = os.path.dirname(index_path), {}, {}
    for name, shard in weight_map.items():
        # Shards must be files beside the index: no paths that reach elsewhere.
        if not isinstance(shard, str) or os.path.basename(shard) != shard or shard in ("", ".", ".."):
            raise ConversionError(f"{index_path}: invalid shard name {shard!r} for {name}")
        if shard not in shards:
            path = os.path.join(folder, shard)
            if not os.path.isfile(path):
                raise ConversionError(f"{index_path}: shard {shard} is missing")
            shards[shard] = read(path)
        if name not in shards[shard]:
            raise ConversionError(f"{index_path}: tensor {name} is not in shard {shard}")
        tensors[name] = shards[shard][name]
    return tensors
