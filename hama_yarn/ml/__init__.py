"""Machine learning on BSP (Hama's ``ml`` module): k-means, gradient descent, collaborative filtering.

Each job is an importable BSP class with numpy kernels inside each peer, and a
``hama example NAME`` command (:mod:`hama_yarn.ml.kmeans`, :mod:`hama_yarn.ml.gd`,
:mod:`hama_yarn.ml.cf`).
"""
