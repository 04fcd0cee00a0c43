#!/usr/bin/env python3
"""Pins scikit-learn's k-means on the CDNOW feature matrix as offerwise scales it.

    target/release/offerwise features --orders data/cdnow/CDNOW_master.txt --format cdnow \
        --now 1998-07-01 --scaled --out target/cdnow-scaled.csv
    python3 scripts/sklearn_reference.py target/cdnow-scaled.csv > tests/reference/sklearn_kmeans_cdnow.json

For every k in 3..8: KMeans(n_clusters=k, init="k-means++", n_init=10, random_state=0) inertia,
and the mean silhouette (all rows, Euclidean) of that clustering. tests/kmeans_reference.rs
rebuilds the same matrix (checked by its SHA-256) and compares offerwise's linfa k-means.
"""
import hashlib
import json
import sys

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score


def main(path):
    raw = open(path, "rb").read()
    x = np.loadtxt(path, delimiter=",", skiprows=1, usecols=range(1, 4))
    out = {
        "specVersion": 1,
        "source": "scikit-learn KMeans(init='k-means++', n_init=10, random_state=0) on the CDNOW "
                  "scaled matrix of `offerwise features --scaled` (now 1998-07-01); "
                  "scripts/sklearn_reference.py",
        "sklearnVersion": sklearn.__version__,
        "numpyVersion": np.__version__,
        "matrixSha256": hashlib.sha256(raw).hexdigest(),
        "rows": int(x.shape[0]),
        "cases": [],
    }
    for k in range(3, 9):
        km = KMeans(n_clusters=k, init="k-means++", n_init=10, random_state=0).fit(x)
        sil = silhouette_score(x, km.labels_)
        out["cases"].append({"k": k, "inertia": float(km.inertia_), "silhouette": float(sil)})
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main(sys.argv[1])
