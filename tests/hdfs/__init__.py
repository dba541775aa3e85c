"""Integration tests against the real HDFS of tests/cluster."""
