// hama-yarn's HadoopUtils serialization (WritableUtils VInt/VLong, big-endian IEEE, Text strings).
#include "hadoop/SerialUtils.hh"
#include "hadoop/StringUtils.hh"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

namespace HadoopUtils {

  Error::Error(const std::string& msg) : error(msg) {}
  Error::Error(const std::string& msg, const std::string& file, int line, const std::string& function)
      : error(msg + " at " + file + ":" + toString((int32_t)line) + " in " + function) {}
  const std::string& Error::getMessage() const { return error; }

  FileInStream::FileInStream() : mFile(NULL), isOwned(false) {}
  bool FileInStream::open(const std::string& name) {
    mFile = fopen(name.c_str(), "rb");
    isOwned = true;
    return mFile != NULL;
  }
  bool FileInStream::open(FILE* file) {
    mFile = file;
    isOwned = false;
    return file != NULL;
  }
  void FileInStream::read(void* buf, size_t len) {
    size_t got = fread(buf, 1, len, mFile);
    if (got != len) {
      if (ferror(mFile)) throw Error(std::string("read error: ") + strerror(errno));
      throw Error("end of file after " + toString((int64_t)got) + " of " + toString((int64_t)len) + " bytes");
    }
  }
  bool FileInStream::skip(size_t nbytes) { return fseek(mFile, (long)nbytes, SEEK_CUR) == 0; }
  bool FileInStream::close() {
    int r = 0;
    if (mFile != NULL && isOwned) r = fclose(mFile);
    mFile = NULL;
    return r == 0;
  }
  FileInStream::~FileInStream() { close(); }

  FileOutStream::FileOutStream() : mFile(NULL), isOwned(false) {}
  bool FileOutStream::open(const std::string& name, bool overwrite) {
    if (!overwrite) {
      FILE* probe = fopen(name.c_str(), "rb");
      if (probe != NULL) {
        fclose(probe);
        return false;
      }
    }
    mFile = fopen(name.c_str(), "wb");
    isOwned = true;
    return mFile != NULL;
  }
  bool FileOutStream::open(FILE* file) {
    mFile = file;
    isOwned = false;
    return file != NULL;
  }
  void FileOutStream::write(const void* buf, size_t len) {
    if (fwrite(buf, 1, len, mFile) != len) throw Error(std::string("write error: ") + strerror(errno));
  }
  bool FileOutStream::advance(size_t nbytes) { return fseek(mFile, (long)nbytes, SEEK_CUR) == 0; }
  void FileOutStream::flush() { fflush(mFile); }
  bool FileOutStream::close() {
    int r = 0;
    if (mFile != NULL) {
      fflush(mFile);
      if (isOwned) r = fclose(mFile);
    }
    mFile = NULL;
    return r == 0;
  }
  FileOutStream::~FileOutStream() { close(); }

  StringInStream::StringInStream(const std::string& str) : buffer(str), itr(str.begin()) {}
  void StringInStream::read(void* buf, size_t buflen) {
    if ((size_t)(buffer.end() - itr) < buflen) throw Error("end of string while reading " + toString((int64_t)buflen) + " bytes");
    char* out = static_cast<char*>(buf);
    for (size_t i = 0; i < buflen; i++) out[i] = *itr++;
  }

  void serializeLong(int64_t t, OutStream& stream) {
    if (t >= -112 && t <= 127) {
      int8_t b = (int8_t)t;
      stream.write(&b, 1);
      return;
    }
    int8_t len = -112;
    if (t < 0) {
      t ^= -1LL;
      len = -120;
    }
    uint64_t tmp = (uint64_t)t;
    while (tmp != 0) {
      tmp >>= 8;
      len--;
    }
    stream.write(&len, 1);
    int n = (len < -120) ? -(len + 120) : -(len + 112);
    for (int idx = n; idx != 0; idx--) {
      unsigned char b = (unsigned char)(((uint64_t)t >> ((idx - 1) * 8)) & 0xff);
      stream.write(&b, 1);
    }
  }
  void serializeInt(int32_t t, OutStream& stream) { serializeLong(t, stream); }

  int64_t deserializeLong(InStream& stream) {
    int8_t first;
    stream.read(&first, 1);
    if (first >= -112) return first;
    bool negative = first < -120;
    int len = negative ? -119 - first : -111 - first;
    int64_t v = 0;
    for (int i = 1; i < len; i++) {
      unsigned char b;
      stream.read(&b, 1);
      v = (v << 8) | b;
    }
    return negative ? (v ^ -1LL) : v;
  }
  int32_t deserializeInt(InStream& stream) {
    int64_t v = deserializeLong(stream);
    HADOOP_ASSERT(v >= INT32_MIN && v <= INT32_MAX, "value too long to fit in an int: " + toString(v));
    return (int32_t)v;
  }

  void serializeFloat(float t, OutStream& stream) {
    uint32_t u;
    memcpy(&u, &t, 4);
    u = htonl(u);
    stream.write(&u, 4);
  }
  float deserializeFloat(InStream& stream) {
    uint32_t u;
    stream.read(&u, 4);
    u = ntohl(u);
    float f;
    memcpy(&f, &u, 4);
    return f;
  }
  void serializeDouble(double t, OutStream& stream) {
    uint64_t u;
    memcpy(&u, &t, 8);
    unsigned char b[8];
    for (int i = 7; i >= 0; i--) { b[i] = (unsigned char)(u & 0xff); u >>= 8; }
    stream.write(b, 8);
  }
  double deserializeDouble(InStream& stream) {
    unsigned char b[8];
    stream.read(b, 8);
    uint64_t u = 0;
    for (int i = 0; i < 8; i++) u = (u << 8) | b[i];
    double d;
    memcpy(&d, &u, 8);
    return d;
  }
  void serializeString(const std::string& t, OutStream& stream) {
    serializeInt((int32_t)t.size(), stream);
    if (!t.empty()) stream.write(t.data(), t.size());
  }
  std::string deserializeString(InStream& stream) {
    int32_t len = deserializeInt(stream);
    HADOOP_ASSERT(len >= 0, "negative string length " + toString(len));
    std::string s((size_t)len, '\0');
    if (len) stream.read(&s[0], (size_t)len);
    return s;
  }
}
