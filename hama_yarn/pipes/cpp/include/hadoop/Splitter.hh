// A tokenizer for Hama Pipes C++ programs (hama-yarn's own implementation).
#ifndef HADOOP_SPLITTER_HH
#define HADOOP_SPLITTER_HH

#include <string>
#include <vector>

namespace HadoopUtils {
  /** Splits src at every occurrence of delim (a whole string); empty tokens are kept. */
  class Splitter {
  public:
    typedef std::vector<std::string>::size_type size_type;
    Splitter(const std::string& src, const std::string& delim);
    std::string& operator[](size_type i);
    size_type size();
    void reset(const std::string& src, const std::string& delim);
  private:
    std::vector<std::string> _tokens;
  };
}

#endif
