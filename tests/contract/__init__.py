"""Contract tests: the same behaviour asserted against every implementation of a plug-in interface."""
