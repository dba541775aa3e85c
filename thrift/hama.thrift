// hama-yarn RPC interfaces. Every process talks these over Apache Thrift
// (binary protocol, buffered transport); the Python side loads this file at run
// time with thriftpy2, so no generated code is checked in.
//
// Connection setup (before any Thrift byte): the server sends a 16-byte nonce, the
// client answers HMAC-SHA256(job secret, nonce), the server answers one byte 0x01
// and only then serves calls. A connection without the job's secret gets nothing.
//
// Services on the master's port (multiplexed by service name):
//   MasterService  client  -> master   job status, progress, kill
//   PeerUmbilical  peer    -> master   task assignment, liveness, done/failed
//   SyncService    peer    -> master   the embedded SyncServer (registration, barriers)
// Service on every peer's port:
//   PeerService    peer    -> peer     message bundles

namespace py hama_rpc

// Every failure crosses the wire as one exception; `kind` names the HamaError
// subclass the client re-raises (e.g. "BarrierTimeoutError", "SyncError").
exception RemoteError {
  1: string kind,
  2: string message,
}

struct Counter {
  1: string group,
  2: string name,
  3: i64 value,
}

struct PeerInfo {
  1: i32 index,
  2: string name,         // host:port of the peer's message server ("" before it registers)
  3: string state,        // PENDING, RUNNING, SUCCEEDED, FAILED, KILLED
  4: i64 superstep,
  5: string host,
  6: i64 last_seen_ms,    // epoch millis of the last report
  7: string diagnostics,
}

struct JobStatus {
  1: string job_id,
  2: string job_name,
  3: string state,        // PREP, RUNNING, SUCCEEDED, FAILED, KILLED
  4: i64 superstep,
  5: i32 num_peers,
  6: i64 start_time_ms,
  7: i64 finish_time_ms,
  8: string user,
  9: string diagnostics,  // the first failing peer, its superstep and the traceback
  10: list<Counter> counters,
  11: list<PeerInfo> peers,
  12: i64 version,        // bumped on every change; see wait_status
  13: string master_address,
  // True once a finished job's peers have all stopped and reported: the counters are final.
  14: bool settled,
  // Fault tolerance: recoveries so far and the superstep the last one rolled back to.
  15: i32 recoveries = 0,
  16: i64 restored_superstep = 0,
  // YARN: the ApplicationMaster attempt the master runs in (2 after one AM restart; 0 elsewhere).
  17: i32 am_attempt = 0,
}

service MasterService {
  JobStatus get_status() throws (1: RemoteError err),
  // Long poll: returns as soon as the status version differs from known_version,
  // or after timeout_ms with the current status.
  JobStatus wait_status(1: i64 known_version, 2: i32 timeout_ms) throws (1: RemoteError err),
  bool kill_job(1: string reason) throws (1: RemoteError err),
  // The client has what it needs; a finished master may exit now.
  oneway void release(),
}

struct TaskAssignment {
  1: string job_id,
  2: string attempt_id,
  3: i32 task_index,
  4: i32 num_peers,
  5: string split_json,   // the input split ("" when the job has no input)
  // Fault tolerance (hama_yarn/ft): the job's attempt (0 = first run), the checkpointed
  // superstep this attempt resumes from (0 = from the start), the checkpoint directory
  // URL ("" = checkpoints off).
  6: i32 attempt = 0,
  7: i64 restore_superstep = 0,
  8: string checkpoint_dir = "",
}

service PeerUmbilical {
  TaskAssignment get_task(1: i32 task_index, 2: string host, 3: i32 pid) throws (1: RemoteError err),
  // The peer's message server is up and registered with the sync service as peer_name.
  oneway void peer_registered(1: i32 task_index, 2: string peer_name),
  oneway void heartbeat(1: i32 task_index, 2: i64 superstep, 3: list<Counter> counters),
  void task_done(1: i32 task_index, 2: i64 superstep, 3: list<Counter> counters) throws (1: RemoteError err),
  // suspect: the peer this one lost its connection to (-1: none); the master waits briefly
  // for that peer's own failure, the likelier cause, before blaming this one.
  void task_failed(1: i32 task_index, 2: i64 superstep, 3: string error, 4: string traceback,
                   5: list<Counter> counters, 6: i32 suspect = -1) throws (1: RemoteError err),
  // Fault tolerance: this peer's part of the checkpoint of `superstep` is durable.
  void checkpoint_written(1: i32 task_index, 2: i32 attempt, 3: i64 superstep, 4: i64 nbytes,
                          5: i64 millis) throws (1: RemoteError err),
}

service SyncService {
  void register_peer(1: i32 task_index, 2: string peer_name) throws (1: RemoteError err),
  // Blocks until every peer registered; names ordered by task index.
  list<string> get_peer_names(1: i32 timeout_ms) throws (1: RemoteError err),
  // Blocks until every peer entered the barrier of `superstep`.
  void enter_barrier(1: i32 task_index, 2: i64 superstep, 3: i32 timeout_ms) throws (1: RemoteError err),
  void leave_barrier(1: i32 task_index, 2: i64 superstep, 3: i32 timeout_ms) throws (1: RemoteError err),
  // "host:port" of the lean barrier channel (below), ":port" for "the master's host", or
  // "" when the master has none (peers then call enter_barrier).
  string barrier_channel() throws (1: RemoteError err),
}

// The lean barrier channel (hama_yarn/sync/channel.py), beside SyncService: the same
// semantics as enter_barrier with less per-call work. A connection starts with the same
// HMAC handshake as every Thrift connection; then each frame is a TFramedTransport frame
// (4-byte big-endian length) holding one TBinaryProtocol struct without a message header:
// the peer sends one BarrierEnter per barrier, the master answers each with one
// BarrierReply when the barrier completed (or failed).
struct BarrierEnter {
  1: i32 task_index,
  2: i64 superstep,
  3: i32 timeout_ms,
}

struct BarrierReply {
  1: i64 superstep,
  2: string kind,     // "" when every peer entered; else the HamaError subclass, as in RemoteError
  3: string message,
}

service PeerService {
  // One bundle: every message one peer sent this peer in `superstep`.
  void put_bundle(1: i32 source_index, 2: i64 superstep, 3: binary bundle) throws (1: RemoteError err),
  // ":port" of the peer's raw bundle channel (hama_yarn/messaging/bundlechannel.py) on its host:
  // large bundles go there as raw bytes (no Thrift copies), "" when it has none.
  string bundle_channel() throws (1: RemoteError err),
}

// ---------------------------------------------------------------------------
// Classic cluster mode (hama_yarn/daemons): `hama bspmaster` and `hama groom`.
// Both services are on the bspmaster's port and authenticated with the cluster
// secret (hama.cluster.secret.file) instead of a job secret.
//   ClusterService  client -> bspmaster   submit, queue, job list, grooms
//   GroomTracker    groom  -> bspmaster   register, heartbeat (long poll for actions), task exits

struct GroomTaskReport {
  1: string job_id,
  2: i32 task_index,
  3: i32 attempt,
  4: string state,        // RUNNING, SUCCEEDED, FAILED, KILLED
  5: i32 pid,
  6: i32 returncode,
  7: string description,
}

struct GroomInfo {
  1: string name,           // groomd_<host>_<port>
  2: string host,
  3: i32 max_tasks,
  4: i32 running_tasks,
  5: i32 failures,
  6: i64 last_seen_ms,
  7: string state,          // ALIVE, DEAD
  8: list<GroomTaskReport> tasks,
}

struct GroomAction {
  1: string kind,           // LAUNCH_TASK, KILL_TASK
  2: string job_id,
  3: i32 task_index,
  4: i32 attempt,
  5: string master_address,
  6: string job_json,       // the job file (LAUNCH_TASK)
  7: string job_secret,     // the job's secret, handed to the peer in its environment
}

struct ClusterJob {
  1: string job_id,
  2: string state,          // QUEUED, RUNNING, SUCCEEDED, FAILED, KILLED
  3: string master_address, // the job's own master ("" while queued)
  4: string name,
  5: string user,
  6: i32 num_peers,
  7: i64 submit_time_ms,
  8: string diagnostics,
  9: string placement,      // task index -> groom, comma separated
  10: string ui_url,
}

struct ClusterStatus {
  1: string identifier,
  2: string state,          // RUNNING
  3: i32 max_tasks,
  4: i32 running_tasks,
  5: list<GroomInfo> grooms,
  6: i32 queued_jobs,
  7: string ui_url,
}

service ClusterService {
  // job_json: {"job_id": "", "conf": {...}}; returns the job id (job_<identifier>_NNNN).
  string submit_job(1: string job_json, 2: string job_secret) throws (1: RemoteError err),
  // Long poll: returns when the job left the queue (or after timeout_ms, still QUEUED).
  ClusterJob wait_placed(1: string job_id, 2: i32 timeout_ms) throws (1: RemoteError err),
  ClusterJob get_job(1: string job_id) throws (1: RemoteError err),
  list<ClusterJob> list_jobs() throws (1: RemoteError err),
  bool kill_job(1: string job_id, 2: string reason) throws (1: RemoteError err),
  ClusterStatus get_cluster_status() throws (1: RemoteError err),
}

service GroomTracker {
  // Returns the master's identifier; a restarted master is told apart by it.
  string register_groom(1: GroomInfo groom) throws (1: RemoteError err),
  // Every second; returns as soon as actions are pending for this groom, or after wait_ms.
  // An empty list with kind REINIT_GROOM asks the groom to register again.
  list<GroomAction> heartbeat(1: GroomInfo groom, 2: i32 wait_ms) throws (1: RemoteError err),
  oneway void task_exited(1: string groom_name, 2: GroomTaskReport report),
}
