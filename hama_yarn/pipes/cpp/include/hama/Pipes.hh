// Hama Pipes C++ API: BSP programs that run as children of a hama-yarn peer.
//
// hama-yarn's own implementation of the API of Apache Hama's hama/Pipes.hh: a program written
// against Hama's header compiles unchanged.  The protocol core (socket, framing, pipelining) lives
// in libhamapipes++.a; the typed parts are templates here.
//
// Typed keys, values and messages travel as Hama's Java side writes them: int32_t as VInt,
// int64_t as VLong, float/double as big-endian IEEE, bool as one byte, std::string as VInt length +
// bytes, void as nothing; any other type as the string its operator<< prints (parsed back with >>).
//
// Build:  g++ $(hama pipes --cflags) prog.cc -o prog $(hama pipes --libs)
#ifndef HAMA_PIPES_HH
#define HAMA_PIPES_HH

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "hadoop/SerialUtils.hh"
#include "hadoop/StringUtils.hh"

namespace HamaPipes {

  using std::map;
  using std::pair;
  using std::string;
  using std::vector;

  /** The opcodes of the binary protocol (Hama's MessageType). */
  enum MESSAGE_TYPE {
    START_MESSAGE, SET_BSPJOB_CONF, SET_INPUT_TYPES,
    RUN_SETUP, RUN_BSP, RUN_CLEANUP,
    READ_KEYVALUE, WRITE_KEYVALUE,
    GET_MSG, GET_MSG_COUNT,
    SEND_MSG, SYNC,
    GET_ALL_PEERNAME, GET_PEERNAME,
    GET_PEER_INDEX, GET_PEER_COUNT, GET_SUPERSTEP_COUNT,
    REOPEN_INPUT, CLEAR,
    CLOSE, ABORT,
    DONE, TASK_DONE,
    REGISTER_COUNTER, INCREMENT_COUNTER,
    SEQFILE_OPEN, SEQFILE_READNEXT,
    SEQFILE_APPEND, SEQFILE_CLOSE,
    PARTITION_REQUEST, PARTITION_RESPONSE,
    LOG, END_OF_DATA
  };

  /** Set from the environment variable hama.pipes.logging: trace the protocol on stderr. */
  extern bool logging;

  /** The job configuration. get() throws HadoopUtils::Error for a missing key. */
  class BSPJob {
  public:
    virtual bool hasKey(const string& key) const = 0;
    virtual const string& get(const string& key) const = 0;
    virtual int getInt(const string& key) const = 0;
    virtual float getFloat(const string& key) const = 0;
    virtual bool getBoolean(const string& key) const = 0;
    virtual ~BSPJob() {}
  };

  class BSPJobImpl : public BSPJob {
  public:
    void set(const string& key, const string& value) { values_[key] = value; }
    virtual bool hasKey(const string& key) const;
    virtual const string& get(const string& key) const;
    virtual int getInt(const string& key) const;
    virtual float getFloat(const string& key) const;
    virtual bool getBoolean(const string& key) const;
  private:
    map<string, string> values_;
  };

  /**
   * The connection to the framework (internal).  Requests whose reply carries no data (send,
   * write, clear, reopen, counters, appends are not among them) are pipelined: their replies are
   * checked before the next request that returns data.
   */
  class Connection {
  public:
    Connection();
    ~Connection();
    /** Connect to 127.0.0.1:$hama.pipes.command.port. */
    void open();
    // writing (buffered)
    void writeVLong(int64_t v);
    void writeString(const string& s);
    void writeString(const char* s, size_t n);
    void writeRaw(const void* p, size_t n);
    void writeFloat(float f);
    void writeDouble(double d);
    void flush();
    // reading
    int64_t readVLong();
    int32_t readVInt();
    string readString();
    void readString(string& out);
    void readRaw(void* p, size_t n);
    float readFloat();
    double readDouble();
    /** A one-way request was written: its reply (the same opcode) is checked later. */
    void oneWay(int op);
    /** Check every outstanding one-way reply. */
    void drain();
    /** Flush, check outstanding replies, read the reply of op: true = data follows, false = END_OF_DATA. */
    bool result(int op);
    /** Request (op), then expect its reply. */
    bool call(int op);
    /** Read the next downward command. */
    int readCommand();
    /** Phase end: TASK_DONE. */
    void taskDone();
    /** CLOSE: DONE, flush, shut down. */
    void done();
    // message batching (see Messenger::getCurrentMessage)
    int64_t knownMessages;  // messages the framework still holds (-1 = unknown)
    unsigned epoch;         // bumped by sync() and clear(): batched messages are dropped
  private:
    int fd_;
    char* out_;
    size_t outLen_;
    char* in_;
    size_t inPos_, inLen_;
    int pending_[64];
    int pendingOp_;
    int64_t pendingCount_;
    void fill();
  };

  /** A framework-side failure in the middle of a request. */
  void protocolError(const string& what);

  // ------------------------------------------------------------------ typed wire format
  template <typename T> struct Wire {
    static void put(Connection& c, const T& v) {
      std::ostringstream os;
      os << v;
      c.writeString(os.str());
    }
    static void get(Connection& c, T& v) {
      std::istringstream is(c.readString());
      is >> v;
    }
  };
  template <> struct Wire<string> {
    static void put(Connection& c, const string& v) { c.writeString(v); }
    static void get(Connection& c, string& v) { c.readString(v); }
  };
  template <> struct Wire<int32_t> {
    static void put(Connection& c, const int32_t& v) { c.writeVLong(v); }
    static void get(Connection& c, int32_t& v) { v = c.readVInt(); }
  };
  template <> struct Wire<int64_t> {
    static void put(Connection& c, const int64_t& v) { c.writeVLong(v); }
    static void get(Connection& c, int64_t& v) { v = c.readVLong(); }
  };
  template <> struct Wire<float> {
    static void put(Connection& c, const float& v) { c.writeFloat(v); }
    static void get(Connection& c, float& v) { v = c.readFloat(); }
  };
  template <> struct Wire<double> {
    static void put(Connection& c, const double& v) { c.writeDouble(v); }
    static void get(Connection& c, double& v) { v = c.readDouble(); }
  };
  template <> struct Wire<bool> {
    static void put(Connection& c, const bool& v) { char b = v ? 1 : 0; c.writeRaw(&b, 1); }
    static void get(Connection& c, bool& v) { char b; c.readRaw(&b, 1); v = b != 0; }
  };

  template <typename T> string toString(const T& t) {
    std::ostringstream os;
    os << t;
    return os.str();
  }
  template <> inline string toString<string>(const string& t) { return t; }

  /** Hama's serialize/deserialize helpers on a HadoopUtils stream. */
  template <typename T> void serialize(T t, HadoopUtils::OutStream& stream) {
    HadoopUtils::serializeString(toString<T>(t), stream);
  }
  template <> inline void serialize<int32_t>(int32_t t, HadoopUtils::OutStream& s) { HadoopUtils::serializeInt(t, s); }
  template <> inline void serialize<int64_t>(int64_t t, HadoopUtils::OutStream& s) { HadoopUtils::serializeLong(t, s); }
  template <> inline void serialize<float>(float t, HadoopUtils::OutStream& s) { HadoopUtils::serializeFloat(t, s); }
  template <> inline void serialize<double>(double t, HadoopUtils::OutStream& s) { HadoopUtils::serializeDouble(t, s); }
  template <> inline void serialize<string>(string t, HadoopUtils::OutStream& s) { HadoopUtils::serializeString(t, s); }
  template <typename T> T deserialize(HadoopUtils::InStream& stream) {
    std::istringstream is(HadoopUtils::deserializeString(stream));
    T v;
    is >> v;
    return v;
  }
  template <> inline int32_t deserialize<int32_t>(HadoopUtils::InStream& s) { return HadoopUtils::deserializeInt(s); }
  template <> inline int64_t deserialize<int64_t>(HadoopUtils::InStream& s) { return HadoopUtils::deserializeLong(s); }
  template <> inline float deserialize<float>(HadoopUtils::InStream& s) { return HadoopUtils::deserializeFloat(s); }
  template <> inline double deserialize<double>(HadoopUtils::InStream& s) { return HadoopUtils::deserializeDouble(s); }
  template <> inline string deserialize<string>(HadoopUtils::InStream& s) { return HadoopUtils::deserializeString(s); }

  // ------------------------------------------------------------------ key/value pairs
  template <typename K, typename V> struct KeyValuePair : pair<K, V> {
    bool is_empty;
    KeyValuePair() : is_empty(false) {}
    explicit KeyValuePair(bool empty) : is_empty(empty) {}
    KeyValuePair(const K& k, const V& v) : pair<K, V>(k, v), is_empty(false) {}
  };

  // ------------------------------------------------------------------ contexts
  class TaskContext {
  public:
    class Counter {
    public:
      Counter(int counter_id) : id_(counter_id) {}
      int getId() const { return id_; }
    private:
      int id_;
    };
    virtual const BSPJob* getBSPJob() = 0;
    /** Hama never implemented reading counters: always 0. */
    virtual long getCounter(const string& group, const string& name) = 0;
    virtual void incrementCounter(const string& group, const string& name, uint64_t amount) = 0;
    virtual ~TaskContext() {}
  };

  /** The untyped part of a peer's context (implemented in the library). */
  class BSPContextBase : public TaskContext {
  public:
    explicit BSPContextBase(Connection& c) : conn_(c) {}
    Connection& connection() { return conn_; }
    BSPJobImpl& job() { return job_; }

    virtual const BSPJob* getBSPJob() { return &job_; }
    virtual long getCounter(const string& group, const string& name);
    virtual void incrementCounter(const string& group, const string& name, uint64_t amount);

    virtual string getInputKeyClass();
    virtual string getInputValueClass();
    virtual int getNumCurrentMessages();
    virtual void sync();
    virtual long getSuperstepCount();
    virtual string getPeerName();
    virtual string getPeerName(int index);
    virtual int getPeerIndex();
    virtual vector<string> getAllPeerNames();
    virtual int getNumPeers();
    virtual void clear();
    virtual void reopenInput();

    /** Open a SequenceFile ("r" or "w") with Java Writable class names: the file id, or -1. */
    virtual int32_t sequenceFileOpen(const string& path, const string& option,
                                     const string& key_type, const string& value_type);
    /** true when the file was open. */
    virtual bool sequenceFileClose(int32_t file_id);

    template <typename K, typename V> bool sequenceFileReadNext(int32_t file_id, K& key, V& value) {
      conn_.writeVLong(SEQFILE_READNEXT);
      conn_.writeVLong(file_id);
      if (!conn_.result(SEQFILE_READNEXT)) return false;
      Wire<K>::get(conn_, key);
      Wire<V>::get(conn_, value);
      return true;
    }
    /** For a file whose key or value class is NullWritable: the other one. */
    template <typename T> bool sequenceFileReadNext(int32_t file_id, T& key_or_value) {
      conn_.writeVLong(SEQFILE_READNEXT);
      conn_.writeVLong(file_id);
      if (!conn_.result(SEQFILE_READNEXT)) return false;
      Wire<T>::get(conn_, key_or_value);
      return true;
    }
    template <typename K, typename V> bool sequenceFileAppend(int32_t file_id, const K& key, const V& value) {
      conn_.writeVLong(SEQFILE_APPEND);
      conn_.writeVLong(file_id);
      Wire<K>::put(conn_, key);
      Wire<V>::put(conn_, value);
      conn_.result(SEQFILE_APPEND);
      return conn_.readVLong() == 1;
    }
    template <typename T> bool sequenceFileAppend(int32_t file_id, const T& key_or_value) {
      conn_.writeVLong(SEQFILE_APPEND);
      conn_.writeVLong(file_id);
      Wire<T>::put(conn_, key_or_value);
      conn_.result(SEQFILE_APPEND);
      return conn_.readVLong() == 1;
    }

  protected:
    Connection& conn_;
    BSPJobImpl job_;
  };

  // Reader / Writer / Messenger: the typed operations; a void parameter removes that argument.
  template <typename D, typename K, typename V> class Reader {
  public:
    bool readNext(K& key, V& value) {
      Connection& c = static_cast<D*>(this)->connection();
      c.writeVLong(READ_KEYVALUE);
      if (!c.result(READ_KEYVALUE)) return false;
      Wire<K>::get(c, key);
      Wire<V>::get(c, value);
      return true;
    }
  };
  template <typename D, typename K> class Reader<D, K, void> {
  public:
    bool readNext(K& key) {
      Connection& c = static_cast<D*>(this)->connection();
      c.writeVLong(READ_KEYVALUE);
      if (!c.result(READ_KEYVALUE)) return false;
      Wire<K>::get(c, key);
      return true;
    }
  };
  template <typename D, typename V> class Reader<D, void, V> {
  public:
    bool readNext(V& value) {
      Connection& c = static_cast<D*>(this)->connection();
      c.writeVLong(READ_KEYVALUE);
      if (!c.result(READ_KEYVALUE)) return false;
      Wire<V>::get(c, value);
      return true;
    }
  };
  template <typename D> class Reader<D, void, void> {};

  template <typename D, typename K, typename V> class Writer {
  public:
    void write(const K& key, const V& value) {
      Connection& c = static_cast<D*>(this)->connection();
      c.writeVLong(WRITE_KEYVALUE);
      Wire<K>::put(c, key);
      Wire<V>::put(c, value);
      c.oneWay(WRITE_KEYVALUE);
    }
  };
  template <typename D, typename K> class Writer<D, K, void> {
  public:
    void write(const K& key) {
      Connection& c = static_cast<D*>(this)->connection();
      c.writeVLong(WRITE_KEYVALUE);
      Wire<K>::put(c, key);
      c.oneWay(WRITE_KEYVALUE);
    }
  };
  template <typename D, typename V> class Writer<D, void, V> {
  public:
    void write(const V& value) {
      Connection& c = static_cast<D*>(this)->connection();
      c.writeVLong(WRITE_KEYVALUE);
      Wire<V>::put(c, value);
      c.oneWay(WRITE_KEYVALUE);
    }
  };
  template <typename D> class Writer<D, void, void> {};

  template <typename D, typename M> class Messenger {
  public:
    void sendMessage(const string& peer_name, const M& msg) {
      Connection& c = static_cast<D*>(this)->connection();
      c.writeVLong(SEND_MSG);
      c.writeString(peer_name);
      Wire<M>::put(c, msg);
      c.oneWay(SEND_MSG);
    }
    /**
     * The next message; a default-constructed M when none is left.  After getNumCurrentMessages()
     * the requests for up to 1024 messages go out together (one round trip per batch).
     */
    M getCurrentMessage() {
      Connection& c = static_cast<D*>(this)->connection();
      if (epoch_ != c.epoch) { queue_.clear(); head_ = 0; epoch_ = c.epoch; }
      if (head_ == queue_.size()) {
        queue_.clear();
        head_ = 0;
        int64_t n = c.knownMessages > 0 ? (c.knownMessages < 1024 ? c.knownMessages : 1024) : 1;
        for (int64_t i = 0; i < n; i++) c.writeVLong(GET_MSG);
        bool more = true;
        for (int64_t i = 0; i < n; i++) {
          if (c.result(GET_MSG)) {
            queue_.push_back(M());
            Wire<M>::get(c, queue_.back());
          } else {
            more = false;
          }
        }
        if (c.knownMessages > 0) c.knownMessages = more ? c.knownMessages - n : 0;
        if (queue_.empty()) return M();
      }
      return queue_[head_++];
    }
  private:
    vector<M> queue_;
    size_t head_ = 0;
    unsigned epoch_ = 0;
  };
  template <typename D> class Messenger<D, void> {};

  template <typename K1, typename V1, typename K2, typename V2, typename M>
  class BSPContext : public BSPContextBase,
                     public Reader<BSPContext<K1, V1, K2, V2, M>, K1, V1>,
                     public Writer<BSPContext<K1, V1, K2, V2, M>, K2, V2>,
                     public Messenger<BSPContext<K1, V1, K2, V2, M>, M> {
  public:
    explicit BSPContext(Connection& c) : BSPContextBase(c) {}
    using BSPContextBase::connection;
  };

  class Closable {
  public:
    virtual void close() {}
    virtual ~Closable() {}
  };

  template <typename K1, typename V1, typename K2, typename V2, typename M>
  class BSP : public Closable {
  public:
    virtual void setup(BSPContext<K1, V1, K2, V2, M>& context) { (void)context; }
    virtual void bsp(BSPContext<K1, V1, K2, V2, M>& context) = 0;
    virtual void cleanup(BSPContext<K1, V1, K2, V2, M>& context) { (void)context; }
  };

  template <typename K1, typename V1> class Partitioner {
  public:
    virtual int partition(const K1& key, const V1& value, int32_t num_tasks) = 0;
    virtual ~Partitioner() {}
  };
  template <typename K1> class Partitioner<K1, void> {
  public:
    virtual int partition(const K1& key, int32_t num_tasks) = 0;
    virtual ~Partitioner() {}
  };
  template <typename V1> class Partitioner<void, V1> {
  public:
    virtual int partition(const V1& value, int32_t num_tasks) = 0;
    virtual ~Partitioner() {}
  };
  template <> class Partitioner<void, void> {
  public:
    virtual ~Partitioner() {}
  };

  template <typename K1, typename V1, typename K2, typename V2, typename M>
  class Factory {
  public:
    virtual BSP<K1, V1, K2, V2, M>* createBSP(BSPContext<K1, V1, K2, V2, M>& context) const = 0;
    virtual Partitioner<K1, V1>* createPartitioner(BSPContext<K1, V1, K2, V2, M>& context) const {
      (void)context;
      return NULL;
    }
    virtual ~Factory() {}
  };

  // ------------------------------------------------------------------ the task loop
  /** Partition requests: read the typed key/value, ask the partitioner, answer. */
  template <typename K1, typename V1> struct PartitionRequest {
    static int run(Connection& c, Partitioner<K1, V1>* p) {
      K1 key = K1(); V1 value = V1();
      Wire<K1>::get(c, key);
      Wire<V1>::get(c, value);
      int n = c.readVInt();
      return p ? p->partition(key, value, n) : 0;
    }
  };
  template <typename K1> struct PartitionRequest<K1, void> {
    static int run(Connection& c, Partitioner<K1, void>* p) {
      K1 key = K1();
      Wire<K1>::get(c, key);
      int n = c.readVInt();
      return p ? p->partition(key, n) : 0;
    }
  };
  template <typename V1> struct PartitionRequest<void, V1> {
    static int run(Connection& c, Partitioner<void, V1>* p) {
      V1 value = V1();
      Wire<V1>::get(c, value);
      int n = c.readVInt();
      return p ? p->partition(value, n) : 0;
    }
  };
  template <> struct PartitionRequest<void, void> {
    static int run(Connection& c, Partitioner<void, void>*) { (void)c.readVInt(); return 0; }
  };

  /** Set up logging and the connection; reads START and checks the version. */
  void initTask(Connection& c);
  /** Read SET_BSPJOB_CONF's payload into job. */
  void readConf(Connection& c, BSPJobImpl& job);
  /** Print an exception and return the exit status. */
  int reportError(const string& what);

  /**
   * Run the program as a Pipes child: connect, serve the framework's commands, return the exit
   * status (0 after a clean CLOSE, 1 on any error; main can return it as Hama's examples do).
   */
  template <typename K1, typename V1, typename K2, typename V2, typename M>
  int runTask(const Factory<K1, V1, K2, V2, M>& factory) {
    Connection conn;
    BSP<K1, V1, K2, V2, M>* bsp = NULL;
    Partitioner<K1, V1>* partitioner = NULL;
    bool partitionerMade = false;
    try {
      initTask(conn);
      BSPContext<K1, V1, K2, V2, M> context(conn);
      for (;;) {
        int op = conn.readCommand();
        switch (op) {
        case SET_BSPJOB_CONF: readConf(conn, context.job()); break;
        case SET_INPUT_TYPES: conn.readString(); conn.readString(); break;
        case RUN_SETUP:
          if (bsp == NULL) bsp = factory.createBSP(context);
          bsp->setup(context);
          conn.taskDone();
          break;
        case RUN_BSP:
          if (bsp == NULL) bsp = factory.createBSP(context);
          bsp->bsp(context);
          conn.taskDone();
          break;
        case RUN_CLEANUP:
          if (bsp == NULL) bsp = factory.createBSP(context);
          bsp->cleanup(context);
          conn.taskDone();
          break;
        case PARTITION_REQUEST: {
          if (!partitionerMade) { partitioner = factory.createPartitioner(context); partitionerMade = true; }
          int part = PartitionRequest<K1, V1>::run(conn, partitioner);
          conn.writeVLong(PARTITION_RESPONSE);
          conn.writeVLong(part);
          conn.flush();
          break;
        }
        case CLOSE:
          if (bsp != NULL) bsp->close();
          conn.done();
          delete bsp;
          delete partitioner;
          return 0;
        case ABORT:
          throw HadoopUtils::Error("Aborted by driver");
        default:
          throw HadoopUtils::Error("Bad command code: " + HadoopUtils::toString((int32_t)op));
        }
      }
    } catch (HadoopUtils::Error& e) {
      delete bsp;
      delete partitioner;
      return reportError(e.getMessage());
    }
  }
}

#endif
