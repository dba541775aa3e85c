// Hadoop-style serialization helpers for Hama Pipes C++ programs (hama-yarn's own implementation).
// Encodings match java.io.DataOutput / org.apache.hadoop.io.WritableUtils:
//   int/long: zero-compressed VInt/VLong; float/double: big-endian IEEE; string: VInt length + bytes.
#ifndef HADOOP_SERIAL_UTILS_HH
#define HADOOP_SERIAL_UTILS_HH

#include <stdint.h>
#include <stdio.h>
#include <string>

namespace HadoopUtils {

  /** The exception every library failure throws. */
  class Error {
  public:
    explicit Error(const std::string& msg);
    Error(const std::string& msg, const std::string& file, int line, const std::string& function);
    const std::string& getMessage() const;
  private:
    std::string error;
  };

#define HADOOP_ASSERT(CONDITION, MESSAGE) \
  { if (!(CONDITION)) { throw HadoopUtils::Error((MESSAGE), __FILE__, __LINE__, __PRETTY_FUNCTION__); } }

  class InStream {
  public:
    virtual void read(void* buf, size_t len) = 0;
    virtual ~InStream() {}
  };

  class OutStream {
  public:
    virtual void write(const void* buf, size_t len) = 0;
    virtual void flush() = 0;
    virtual ~OutStream() {}
  };

  class FileInStream : public InStream {
  public:
    FileInStream();
    bool open(const std::string& name);
    bool open(FILE* file);
    void read(void* buf, size_t buflen);
    bool skip(size_t nbytes);
    bool close();
    virtual ~FileInStream();
  private:
    FILE* mFile;
    bool isOwned;
  };

  class FileOutStream : public OutStream {
  public:
    FileOutStream();
    bool open(const std::string& name, bool overwrite);
    bool open(FILE* file);
    void write(const void* buf, size_t len);
    bool advance(size_t nbytes);
    void flush();
    bool close();
    virtual ~FileOutStream();
  private:
    FILE* mFile;
    bool isOwned;
  };

  class StringInStream : public InStream {
  public:
    StringInStream(const std::string& str);
    virtual void read(void* buf, size_t buflen);
  private:
    const std::string& buffer;
    std::string::const_iterator itr;
  };

  /** Appends to a std::string (handy for building a record in memory). */
  class StringOutStream : public OutStream {
  public:
    StringOutStream(std::string& target) : buffer(target) {}
    virtual void write(const void* buf, size_t len) { buffer.append(static_cast<const char*>(buf), len); }
    virtual void flush() {}
  private:
    std::string& buffer;
  };

  void serializeInt(int32_t t, OutStream& stream);
  int32_t deserializeInt(InStream& stream);
  void serializeLong(int64_t t, OutStream& stream);
  int64_t deserializeLong(InStream& stream);
  void serializeFloat(float t, OutStream& stream);
  float deserializeFloat(InStream& stream);
  void serializeDouble(double t, OutStream& stream);
  double deserializeDouble(InStream& stream);
  void serializeString(const std::string& t, OutStream& stream);
  std::string deserializeString(InStream& stream);
}

#endif
