"""The master's web UI and JSON API, and the job history (``hama history``).

Submodules: :mod:`.server` (HTTP server, access token, routes), :mod:`.pages`
(HTML), :mod:`.snapshot` (the JSON views), :mod:`.timeline` (per-superstep
timings from the peers), :mod:`.live` (the running master as a source),
:mod:`.history` (history records: write, list, read, render offline),
:mod:`.logs` (peer logs).  Importing this package imports none of them.
"""
