// hama-yarn's Hama Pipes C++ library: the protocol core (socket, framing, pipelined replies).
#include "hama/Pipes.hh"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

namespace HamaPipes {

  bool logging = false;

  static const size_t BUF = 1 << 17;
  static const char* const NAMES[] = {
    "START", "SET_BSPJOB_CONF", "SET_INPUT_TYPES", "RUN_SETUP", "RUN_BSP", "RUN_CLEANUP",
    "READ_KEYVALUE", "WRITE_KEYVALUE", "GET_MSG", "GET_MSG_COUNT", "SEND_MSG", "SYNC",
    "GET_ALL_PEERNAME", "GET_PEERNAME", "GET_PEER_INDEX", "GET_PEER_COUNT", "GET_SUPERSTEP_COUNT",
    "REOPEN_INPUT", "CLEAR", "CLOSE", "ABORT", "DONE", "TASK_DONE", "REGISTER_COUNTER",
    "INCREMENT_COUNTER", "SEQFILE_OPEN", "SEQFILE_READNEXT", "SEQFILE_APPEND", "SEQFILE_CLOSE",
    "PARTITION_REQUEST", "PARTITION_RESPONSE", "LOG", "END_OF_DATA"};

  static string opName(int op) {
    string n = (op >= 0 && op <= END_OF_DATA) ? NAMES[op] : "unknown";
    return n + "(" + HadoopUtils::toString((int32_t)op) + ")";
  }

  void protocolError(const string& what) { throw HadoopUtils::Error(what); }

  // ------------------------------------------------------------------ BSPJobImpl
  bool BSPJobImpl::hasKey(const string& key) const { return values_.find(key) != values_.end(); }
  const string& BSPJobImpl::get(const string& key) const {
    map<string, string>::const_iterator it = values_.find(key);
    if (it == values_.end()) throw HadoopUtils::Error("Key " + key + " not found in BSPJob");
    return it->second;
  }
  int BSPJobImpl::getInt(const string& key) const { return HadoopUtils::toInt(get(key)); }
  float BSPJobImpl::getFloat(const string& key) const { return HadoopUtils::toFloat(get(key)); }
  bool BSPJobImpl::getBoolean(const string& key) const { return HadoopUtils::toBool(get(key)); }

  // ------------------------------------------------------------------ Connection
  Connection::Connection()
      : knownMessages(-1), epoch(0), fd_(-1), out_(new char[BUF]), outLen_(0), in_(new char[BUF]),
        inPos_(0), inLen_(0), pendingOp_(-1), pendingCount_(0) {}

  Connection::~Connection() {
    if (fd_ >= 0) ::close(fd_);
    delete[] out_;
    delete[] in_;
  }

  void Connection::open() {
    const char* port = getenv("hama.pipes.command.port");
    HADOOP_ASSERT(port != NULL, "no hama.pipes.command.port in the environment: run me with hama pipes");
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    HADOOP_ASSERT(fd_ >= 0, string("socket: ") + strerror(errno));
    sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)HadoopUtils::toInt(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    HADOOP_ASSERT(connect(fd_, (sockaddr*)&addr, sizeof addr) == 0,
                  string("cannot connect to 127.0.0.1:") + port + ": " + strerror(errno));
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }

  void Connection::flush() {
    size_t off = 0;
    while (off < outLen_) {
      ssize_t n = ::write(fd_, out_ + off, outLen_ - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) protocolError(string("lost the connection to the framework: ") + strerror(errno));
      off += (size_t)n;
    }
    outLen_ = 0;
  }

  void Connection::writeRaw(const void* p, size_t n) {
    if (outLen_ + n > BUF) {
      flush();
      if (n > BUF) {
        size_t off = 0;
        const char* c = static_cast<const char*>(p);
        while (off < n) {
          ssize_t w = ::write(fd_, c + off, n - off);
          if (w < 0 && errno == EINTR) continue;
          if (w <= 0) protocolError(string("lost the connection to the framework: ") + strerror(errno));
          off += (size_t)w;
        }
        return;
      }
    }
    memcpy(out_ + outLen_, p, n);
    outLen_ += n;
  }

  void Connection::writeVLong(int64_t v) {
    if (v >= -112 && v <= 127) {
      if (outLen_ + 1 > BUF) flush();
      out_[outLen_++] = (char)v;
      return;
    }
    char buf[9];
    int len = -112;
    if (v < 0) {
      v ^= -1LL;
      len = -120;
    }
    int64_t tmp = v;
    while (tmp != 0) {
      tmp = tmp >> 8;
      len--;
    }
    buf[0] = (char)len;
    int bytes = (len < -120) ? -(len + 120) : -(len + 112);
    for (int i = bytes; i > 0; i--) buf[bytes - i + 1] = (char)((v >> ((i - 1) * 8)) & 0xff);
    writeRaw(buf, (size_t)bytes + 1);
  }

  void Connection::writeString(const char* s, size_t n) {
    writeVLong((int64_t)n);
    writeRaw(s, n);
  }
  void Connection::writeString(const string& s) { writeString(s.data(), s.size()); }

  void Connection::writeFloat(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    u = htonl(u);
    writeRaw(&u, 4);
  }
  void Connection::writeDouble(double d) {
    uint64_t u;
    memcpy(&u, &d, 8);
    unsigned char b[8];
    for (int i = 7; i >= 0; i--) { b[i] = (unsigned char)(u & 0xff); u >>= 8; }
    writeRaw(b, 8);
  }

  void Connection::fill() {
    flush();
    if (inPos_ < inLen_) {
      memmove(in_, in_ + inPos_, inLen_ - inPos_);
      inLen_ -= inPos_;
    } else {
      inLen_ = 0;
    }
    inPos_ = 0;
    for (;;) {
      ssize_t n = ::read(fd_, in_ + inLen_, BUF - inLen_);
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) protocolError("the framework closed the connection");
      if (n < 0) protocolError(string("reading from the framework: ") + strerror(errno));
      inLen_ += (size_t)n;
      return;
    }
  }

  void Connection::readRaw(void* p, size_t n) {
    char* dst = static_cast<char*>(p);
    while (n > 0) {
      if (inPos_ == inLen_) fill();
      size_t k = inLen_ - inPos_;
      if (k > n) k = n;
      memcpy(dst, in_ + inPos_, k);
      inPos_ += k;
      dst += k;
      n -= k;
    }
  }

  int64_t Connection::readVLong() {
    if (inPos_ == inLen_) fill();
    int8_t first = (int8_t)in_[inPos_++];
    if (first >= -112) return first;
    bool negative = first < -120;
    int len = negative ? -119 - first : -111 - first;
    int64_t v = 0;
    for (int i = 1; i < len; i++) {
      if (inPos_ == inLen_) fill();
      v = (v << 8) | (unsigned char)in_[inPos_++];
    }
    return negative ? (v ^ -1LL) : v;
  }

  int32_t Connection::readVInt() {
    int64_t v = readVLong();
    if (v < INT32_MIN || v > INT32_MAX) protocolError("value too long to fit in an int: " + HadoopUtils::toString(v));
    return (int32_t)v;
  }

  void Connection::readString(string& out) {
    int64_t n = readVLong();
    if (n < 0 || n > (1LL << 31)) protocolError("bad string length " + HadoopUtils::toString(n));
    out.resize((size_t)n);
    if (n) readRaw(&out[0], (size_t)n);
  }
  string Connection::readString() {
    string s;
    readString(s);
    return s;
  }

  float Connection::readFloat() {
    uint32_t u;
    readRaw(&u, 4);
    u = ntohl(u);
    float f;
    memcpy(&f, &u, 4);
    return f;
  }
  double Connection::readDouble() {
    unsigned char b[8];
    readRaw(b, 8);
    uint64_t u = 0;
    for (int i = 0; i < 8; i++) u = (u << 8) | b[i];
    double d;
    memcpy(&d, &u, 8);
    return d;
  }

  void Connection::oneWay(int op) {
    if (op != pendingOp_ && pendingCount_ > 0) drain();
    pendingOp_ = op;
    pendingCount_++;
    if (pendingCount_ >= 65536) drain();
    if (outLen_ > BUF / 2) flush();
  }

  void Connection::drain() {
    while (pendingCount_ > 0) {
      int op = (int)readVLong();
      if (op != pendingOp_) protocolError("expected the reply " + opName(pendingOp_) + ", got " + opName(op));
      pendingCount_--;
    }
  }

  bool Connection::result(int op) {
    drain();
    int got = (int)readVLong();
    if (got == op) return true;
    if (got == END_OF_DATA) return false;
    protocolError("expected the reply " + opName(op) + ", got " + opName(got));
    return false;
  }

  bool Connection::call(int op) {
    writeVLong(op);
    return result(op);
  }

  int Connection::readCommand() {
    drain();
    int op = (int)readVLong();
    if (logging) fprintf(stderr, "HamaPipes: command %s\n", opName(op).c_str());
    return op;
  }

  void Connection::taskDone() {
    drain();
    writeVLong(TASK_DONE);
    flush();
  }

  void Connection::done() {
    drain();
    writeVLong(DONE);
    flush();
    shutdown(fd_, SHUT_RDWR);
  }

  // ------------------------------------------------------------------ task set-up
  void initTask(Connection& c) {
    const char* log = getenv("hama.pipes.logging");
    logging = log != NULL && strcmp(log, "0") != 0 && strcmp(log, "false") != 0 && log[0] != '\0';
    c.open();
    int op = (int)c.readVLong();
    if (op != START_MESSAGE) protocolError("expected START(0) first, got " + opName(op));
    int64_t version = c.readVLong();
    if (version != 0) protocolError("unsupported protocol version " + HadoopUtils::toString(version));
  }

  void readConf(Connection& c, BSPJobImpl& job) {
    int64_t n = c.readVLong();
    if (n < 0 || n % 2) protocolError("bad SET_BSPJOB_CONF size " + HadoopUtils::toString(n));
    for (int64_t i = 0; i < n; i += 2) {
      string key = c.readString();
      job.set(key, c.readString());
    }
  }

  int reportError(const string& what) {
    fprintf(stderr, "Hama Pipes Exception: %s\n", what.c_str());
    fflush(stderr);
    return 1;
  }

  // ------------------------------------------------------------------ BSPContextBase
  long BSPContextBase::getCounter(const string&, const string&) { return 0; }

  void BSPContextBase::incrementCounter(const string& group, const string& name, uint64_t amount) {
    conn_.writeVLong(INCREMENT_COUNTER);
    conn_.writeString(group);
    conn_.writeString(name);
    conn_.writeVLong((int64_t)amount);
    conn_.oneWay(INCREMENT_COUNTER);
  }

  string BSPContextBase::getInputKeyClass() {
    return job_.hasKey("bsp.input.key.class") ? job_.get("bsp.input.key.class") : string("org.apache.hadoop.io.Text");
  }
  string BSPContextBase::getInputValueClass() {
    return job_.hasKey("bsp.input.value.class") ? job_.get("bsp.input.value.class") : string("org.apache.hadoop.io.Text");
  }

  int BSPContextBase::getNumCurrentMessages() {
    conn_.call(GET_MSG_COUNT);
    int n = conn_.readVInt();
    conn_.knownMessages = n;
    conn_.epoch++;  // drop a batch fetched before: the count covers what the framework holds
    return n;
  }

  void BSPContextBase::sync() {
    conn_.knownMessages = -1;
    conn_.epoch++;
    conn_.call(SYNC);
  }

  long BSPContextBase::getSuperstepCount() {
    conn_.call(GET_SUPERSTEP_COUNT);
    return (long)conn_.readVLong();
  }

  string BSPContextBase::getPeerName() { return getPeerName(-1); }

  string BSPContextBase::getPeerName(int index) {
    conn_.writeVLong(GET_PEERNAME);
    conn_.writeVLong(index);
    conn_.result(GET_PEERNAME);
    return conn_.readString();
  }

  int BSPContextBase::getPeerIndex() {
    conn_.call(GET_PEER_INDEX);
    return conn_.readVInt();
  }

  vector<string> BSPContextBase::getAllPeerNames() {
    conn_.call(GET_ALL_PEERNAME);
    int n = conn_.readVInt();
    vector<string> names;
    for (int i = 0; i < n; i++) names.push_back(conn_.readString());
    return names;
  }

  int BSPContextBase::getNumPeers() {
    conn_.call(GET_PEER_COUNT);
    return conn_.readVInt();
  }

  void BSPContextBase::clear() {
    conn_.knownMessages = -1;
    conn_.epoch++;
    conn_.writeVLong(CLEAR);
    conn_.oneWay(CLEAR);
  }

  void BSPContextBase::reopenInput() {
    conn_.writeVLong(REOPEN_INPUT);
    conn_.oneWay(REOPEN_INPUT);
  }

  int32_t BSPContextBase::sequenceFileOpen(const string& path, const string& option, const string& key_type,
                                           const string& value_type) {
    if (option != "r" && option != "w") {
      if (logging) fprintf(stderr, "HamaPipes: sequenceFileOpen: bad option '%s'\n", option.c_str());
      return -1;
    }
    conn_.writeVLong(SEQFILE_OPEN);
    conn_.writeString(path);
    conn_.writeString(option);
    conn_.writeString(key_type);
    conn_.writeString(value_type);
    conn_.result(SEQFILE_OPEN);
    return conn_.readVInt();
  }

  bool BSPContextBase::sequenceFileClose(int32_t file_id) {
    conn_.writeVLong(SEQFILE_CLOSE);
    conn_.writeVLong(file_id);
    conn_.result(SEQFILE_CLOSE);
    return conn_.readVLong() == 1;
  }
}
