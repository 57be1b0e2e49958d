"""Data for training: loaders, built-in problems, preprocessing and the ``[data]`` config.

- ``Dataset``: float32 features ``X`` (n_samples, n_features) and targets ``y``;
- loaders: ``load_csv``, ``load_npz``, ``load_npy``, ``read_idx``, ``load_mnist``,
  and ``load`` (by path or built-in name);
- built-in problems: ``xor``, ``spirals``, ``moons``;
- preprocessing fitted on training data: ``Preprocessor``, ``one_hot``, ``split``;
- ``from_config``: a training file's ``[data]`` table → ``Splits``;
- ``fetch``: download MNIST or Fashion-MNIST, checksums verified.

``docs/data.md`` is the user's guide.
"""

from __future__ import annotations

from glassnet.data.arrays import load_array, load_npy, load_npz
from glassnet.data.config import Splits, from_config
from glassnet.data.csv import load_csv, load_csv_features
from glassnet.data.dataset import Dataset
from glassnet.data.idx import read_idx, write_idx
from glassnet.data.mnist import SETS, fetch, load_mnist
from glassnet.data.preprocess import Preprocessor, one_hot, split
from glassnet.data.sources import FORMATS, load, load_source
from glassnet.data.synthetic import moons, spirals, xor

__all__ = [
    "FORMATS",
    "SETS",
    "Dataset",
    "Preprocessor",
    "Splits",
    "fetch",
    "from_config",
    "load",
    "load_array",
    "load_csv",
    "load_csv_features",
    "load_mnist",
    "load_npy",
    "load_npz",
    "load_source",
    "moons",
    "one_hot",
    "read_idx",
    "spirals",
    "split",
    "write_idx",
    "xor",
]
