"""Matrix jobs on BSP: sparse matrix x vector (:mod:`~hama_yarn.matrix.spmv`), matrix
products (:mod:`~hama_yarn.matrix.matmult`), Hama's RandBench (:mod:`~hama_yarn.matrix.bench`)
and data generators (:mod:`~hama_yarn.matrix.gen`)."""
