"""ML/matrix test helpers; the YARN fixtures come from tests/yarn/conftest.py."""

from __future__ import annotations

from tests.yarn.conftest import hdfs_dir, yarn_env  # noqa: F401  (fixtures)
