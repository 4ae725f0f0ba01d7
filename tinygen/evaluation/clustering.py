"""Clusters read as a classifier: accuracy after the best one-to-one matching of clusters to classes.

An unsupervised model (InfoGAN's categorical code, a mixture's component)
puts each example in a cluster whose number means nothing: cluster 3 may
hold the sevens. Read as a classifier, its accuracy is that of the best
one-to-one assignment pi of clusters to labels,

    accuracy = max_pi (1/N) sum_i [ pi(cluster_i) = label_i ] = max_pi (1/N) sum_k C[k, pi(k)],

with C the K x K table of counts (C[k, y]: examples of cluster k with label y).
Reading cluster k as class k instead, without the matching, is a known
error. This is the linear assignment problem. Trying all K! permutations
(3.6 million for K = 10) is slow; dynamic programming over the sets S of
labels already used is exact and quick for K up to about 20: best(S), the
largest count reachable by giving clusters 0 .. |S| - 1 the labels in S, is

    best({}) = 0,    best(S) = max_{y in S} best(S - {y}) + C[|S| - 1, y],

K 2^K steps. (``scipy.optimize.linear_sum_assignment``, the Hungarian
algorithm, solves the same problem in O(K^3).)
"""
import numpy

MAX_CLASSES = 16  # 16 x 2^16 steps of Python: seconds (10 classes: 7 ms)


def matched_accuracy(clusters, labels):
    """(accuracy, {cluster: label}) of ``clusters`` (N,) against ``labels`` (N,), both integers from 0, best matched."""
    clusters, labels = numpy.asarray(clusters), numpy.asarray(labels)
    if clusters.shape != labels.shape or clusters.ndim != 1 or clusters.size == 0:
        raise ValueError(f"matched_accuracy: clusters and labels must be two (N,) arrays with N > 0, got shapes "
                         f"{clusters.shape} and {labels.shape}")  # fmt: skip
    if clusters.dtype.kind not in "iu" or labels.dtype.kind not in "iu" or min(clusters.min(), labels.min()) < 0:
        raise ValueError("matched_accuracy: clusters and labels must be integer ids from 0 (class indices)")
    k = int(max(clusters.max(), labels.max())) + 1  # a square table: unused ids are empty rows or columns
    if k > MAX_CLASSES:
        raise ValueError(f"matched_accuracy: {k} ids is too many for the exact search over subsets (at most "
                         f"{MAX_CLASSES}); use scipy.optimize.linear_sum_assignment on the count table")  # fmt: skip
    counts = numpy.zeros((k, k), dtype=numpy.int64)
    numpy.add.at(counts, (clusters, labels), 1)

    best = numpy.full(1 << k, -1, dtype=numpy.int64)
    choice = numpy.zeros(1 << k, dtype=numpy.int64)  # the label given to cluster |S| - 1 in best(S)
    best[0] = 0
    for used in range(1 << k):  # every subset after all of its own subsets
        cluster = bin(used).count("1")
        if cluster == k:
            continue
        for label in range(k):
            if not used >> label & 1:
                grown = used | 1 << label
                if best[used] + counts[cluster, label] > best[grown]:
                    best[grown], choice[grown] = best[used] + counts[cluster, label], label
    matching, used = {}, (1 << k) - 1
    for cluster in reversed(range(k)):  # walk the choices back from the full set
        matching[cluster] = int(choice[used])
        used &= ~(1 << matching[cluster])
    return float(best[-1]) / clusters.size, dict(sorted(matching.items()))
