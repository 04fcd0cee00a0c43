#!/usr/bin/env python3
"""Pins scikit-learn's Gaussian mixture on the CDNOW feature matrix as offerwise scales it,
started from the same k-means result as offerwise's linfa mixture.

    target/release/offerwise features --orders data/cdnow/CDNOW_master.txt --format cdnow \
        --now 1998-07-01 --scaled --out target/cdnow-scaled.csv
    target/release/offerwise train --orders data/cdnow/CDNOW_master.txt --format cdnow \
        --now 1998-07-01 --algorithm gmm --k 4 --no-clv --out target/cdnow-gmm.json
    python3 scripts/sklearn_gmm_reference.py target/cdnow-scaled.csv target/cdnow-gmm.json \
        > tests/reference/sklearn_gmm_cdnow.json

The start: the model's `training.mixture.initCentroids` (linfa's seeded k-means, the start of
offerwise's EM) label every row by its nearest centroid (ties to the lowest index); weights,
means and covariances (+ regCovariance on the diagonal) of those hard labels are given to
GaussianMixture(covariance_type="full") as weights_init, means_init and precisions_init, exactly
what linfa computes from the same labels. EM then runs with the same tolerance (on the change of
the mean log-likelihood), regularisation and iteration limit. tests/gmm_cdnow.rs retrains the
mixture, checks that its start equals initCentroids here, and compares the mean log-likelihood
(`score`) within 0.1 %.
"""
import hashlib
import json
import sys

import numpy as np
import sklearn
from sklearn.mixture import GaussianMixture


def main(matrix_path, model_path):
    raw = open(matrix_path, "rb").read()
    x = np.loadtxt(matrix_path, delimiter=",", skiprows=1, usecols=range(1, 4))
    model = json.load(open(model_path))
    mix = model["training"]["mixture"]
    params = model["training"]["params"]
    init = np.array(mix["initCentroids"], dtype=float)
    reg = float(mix["regCovariance"])
    k = init.shape[0]
    d2 = ((x[:, None, :] - init[None, :, :]) ** 2).sum(axis=2)
    labels = np.argmin(d2, axis=1)
    resp = np.zeros((x.shape[0], k))
    resp[np.arange(x.shape[0]), labels] = 1.0
    nk = resp.sum(axis=0)
    means = resp.T @ x / nk[:, None]
    covs = np.empty((k, x.shape[1], x.shape[1]))
    for c in range(k):
        diff = x - means[c]
        covs[c] = (resp[:, c] * diff.T) @ diff / nk[c]
        covs[c].flat[:: x.shape[1] + 1] += reg
    gm = GaussianMixture(
        n_components=k,
        covariance_type="full",
        tol=float(params["tolerance"]),
        reg_covar=reg,
        max_iter=int(params["maxIter"]),
        n_init=1,
        weights_init=nk / x.shape[0],
        means_init=means,
        precisions_init=np.linalg.inv(covs),
        random_state=0,
    ).fit(x)
    order = np.argsort(gm.weights_)
    out = {
        "specVersion": 1,
        "source": "scikit-learn GaussianMixture(covariance_type='full') on the CDNOW scaled matrix "
                  "of `offerwise features --scaled` (now 1998-07-01), started from offerwise's "
                  "k-means start; scripts/sklearn_gmm_reference.py",
        "sklearnVersion": sklearn.__version__,
        "numpyVersion": np.__version__,
        "matrixSha256": hashlib.sha256(raw).hexdigest(),
        "rows": int(x.shape[0]),
        "k": k,
        "seed": int(params["seed"]),
        "tolerance": float(params["tolerance"]),
        "maxIter": int(params["maxIter"]),
        "regCovariance": reg,
        "initCentroids": init.tolist(),
        "converged": bool(gm.converged_),
        "iterations": int(gm.n_iter_),
        "meanLogLikelihood": float(gm.score(x)),
        "weightsAscending": [float(w) for w in gm.weights_[order]],
    }
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
