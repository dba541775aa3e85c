"""Fixtures of the Streaming/Pipes suite (reuses the core suite's ``hama`` CLI runner)."""

from tests.core.conftest import Hama, hama  # noqa: F401 - re-exported fixture
