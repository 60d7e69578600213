"""Golden data for engine/metrics: classification metrics computed with numpy straight from
their definitions (sklearn is not installed; these are sklearn's definitions with
zero_division=0), independently of the C++ code.

metrics.safetensors, per case "<case>/...":
  labels, predicted  int64 [N]      true and predicted classes
  confusion          int64 [K, K]   rows = true class, columns = predicted class
  precision, recall, f1            [K] per class
  support            int64 [K]
  summary          [7] accuracy, macro precision/recall/F1, weighted precision/recall/F1
Cases:
  random_k5_n200   5 classes, mostly right predictions with random mistakes
  zero_division_k4 class 3 is never predicted and class 2 never occurs (precision, recall
                   and F1 must become 0, not NaN)
  binary_k2_n9     2 classes, 9 samples
"""
import os

import numpy as np
import torch

from common import SEED, save


def metrics(labels, predicted, k):
    confusion = np.zeros((k, k), dtype=np.int64)
    for t, p in zip(labels, predicted):
        confusion[t, p] += 1
    tp = np.diag(confusion).astype(np.float64)
    predicted_count = confusion.sum(axis=0).astype(np.float64)
    support = confusion.sum(axis=1)
    precision = np.divide(tp, predicted_count, out=np.zeros(k), where=predicted_count > 0)
    recall = np.divide(tp, support, out=np.zeros(k), where=support > 0)
    denominator = precision + recall
    f1 = np.divide(2 * precision * recall, denominator, out=np.zeros(k), where=denominator > 0)
    weights = support / support.sum()
    summary = [tp.sum() / len(labels), precision.mean(), recall.mean(), f1.mean(),
               (precision * weights).sum(), (recall * weights).sum(), (f1 * weights).sum()]
    as_int = lambda a: torch.from_numpy(np.asarray(a, dtype=np.int64))
    as_float = lambda a: torch.from_numpy(np.asarray(a, dtype=np.float64))
    return {"labels": as_int(labels), "predicted": as_int(predicted), "confusion": as_int(confusion),
            "precision": as_float(precision), "recall": as_float(recall), "f1": as_float(f1),
            "support": as_int(support), "summary": as_float(summary)}


def generate(out_dir):
    rng = np.random.default_rng(SEED)
    labels = rng.integers(0, 5, 200)
    predicted = np.where(rng.random(200) < 0.7, labels, rng.integers(0, 5, 200))
    cases = {
        "random_k5_n200": metrics(labels, predicted, 5),
        "zero_division_k4": metrics([0, 0, 1, 1, 3, 3, 3, 0], [0, 1, 1, 2, 0, 1, 2, 0], 4),
        "binary_k2_n9": metrics([0, 1, 1, 0, 1, 1, 0, 0, 1], [0, 1, 0, 0, 1, 1, 1, 0, 1], 2),
    }
    tensors = {f"{name}/{key}": t for name, values in cases.items() for key, t in values.items()}
    save(os.path.join(out_dir, "metrics.safetensors"), tensors)
