// String conversions for Hama Pipes C++ programs (hama-yarn's own implementation).
#ifndef HADOOP_STRING_UTILS_HH
#define HADOOP_STRING_UTILS_HH

#include <stdint.h>
#include <string>
#include <vector>

namespace HadoopUtils {
  /** Decimal text of a number; doubles use the shortest text that reads back exactly. */
  std::string toString(int32_t x);
  std::string toString(int64_t x);
  std::string toString(double d);
  std::string toString(float f);
  std::string toString(bool b);

  /** Parse; throws HadoopUtils::Error naming the text when it is not a number. */
  int32_t toInt(const std::string& val);
  int64_t toLong(const std::string& val);
  float toFloat(const std::string& val);
  double toDouble(const std::string& val);
  /** "true"/"false" (any case), or a number (non-zero = true). */
  bool toBool(const std::string& val);

  /** Split at any of the characters in separator; empty fields are dropped. */
  std::vector<std::string> splitString(const std::string& str, const char* separator);

  /** Escape the characters of deliminators (and '%') as %XX; unquoteString reverses it. */
  std::string quoteString(const std::string& str, const char* deliminators);
  std::string unquoteString(const std::string& str);
}

#endif
