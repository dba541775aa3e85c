"""Hadoop-compatible I/O for hama-yarn: file systems, formats, Writables, codecs, SequenceFiles."""
