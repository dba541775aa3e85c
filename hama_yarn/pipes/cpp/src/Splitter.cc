// hama-yarn's HadoopUtils::Splitter.
#include "hadoop/Splitter.hh"
#include "hadoop/SerialUtils.hh"

namespace HadoopUtils {
  Splitter::Splitter(const std::string& src, const std::string& delim) { reset(src, delim); }

  std::string& Splitter::operator[](size_type i) {
    if (i >= _tokens.size()) throw Error("Splitter: no token " + std::to_string(i));
    return _tokens[i];
  }

  Splitter::size_type Splitter::size() { return _tokens.size(); }

  void Splitter::reset(const std::string& src, const std::string& delim) {
    _tokens.clear();
    if (delim.empty()) {
      _tokens.push_back(src);
      return;
    }
    std::string::size_type start = 0, pos;
    while ((pos = src.find(delim, start)) != std::string::npos) {
      _tokens.push_back(src.substr(start, pos - start));
      start = pos + delim.size();
    }
    _tokens.push_back(src.substr(start));
  }
}
