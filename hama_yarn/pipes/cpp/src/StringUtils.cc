// hama-yarn's HadoopUtils string conversions.
#include "hadoop/StringUtils.hh"
#include "hadoop/SerialUtils.hh"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

namespace HadoopUtils {

  std::string toString(int32_t x) {
    char buf[16];
    snprintf(buf, sizeof buf, "%d", x);
    return buf;
  }
  std::string toString(int64_t x) {
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)x);
    return buf;
  }
  std::string toString(double d) {
    char buf[32];
    for (int prec = 15; prec <= 17; prec++) {  // shortest of 15..17 digits that reads back exactly
      snprintf(buf, sizeof buf, "%.*g", prec, d);
      if (strtod(buf, NULL) == d) break;
    }
    return buf;
  }
  std::string toString(float f) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.9g", (double)f);
    return buf;
  }
  std::string toString(bool b) { return b ? "true" : "false"; }

  static void checkEnd(const std::string& val, const char* end, const char* what) {
    while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r') end++;
    if (val.empty() || *end != '\0') throw Error("Problem with conversion of '" + val + "' to " + what);
  }

  int32_t toInt(const std::string& val) {
    errno = 0;
    char* end;
    long long r = strtoll(val.c_str(), &end, 10);
    checkEnd(val, end, "int");
    if (errno || r < INT32_MIN || r > INT32_MAX) throw Error("Integer out of range: '" + val + "'");
    return (int32_t)r;
  }
  int64_t toLong(const std::string& val) {
    errno = 0;
    char* end;
    long long r = strtoll(val.c_str(), &end, 10);
    checkEnd(val, end, "long");
    if (errno) throw Error("Long out of range: '" + val + "'");
    return (int64_t)r;
  }
  float toFloat(const std::string& val) {
    char* end;
    float r = strtof(val.c_str(), &end);
    checkEnd(val, end, "float");
    return r;
  }
  double toDouble(const std::string& val) {
    char* end;
    double r = strtod(val.c_str(), &end);
    checkEnd(val, end, "double");
    return r;
  }
  bool toBool(const std::string& val) {
    if (strcasecmp(val.c_str(), "true") == 0) return true;
    if (strcasecmp(val.c_str(), "false") == 0) return false;
    return toInt(val) != 0;
  }

  std::vector<std::string> splitString(const std::string& str, const char* separator) {
    std::vector<std::string> result;
    std::string::size_type prev = 0;
    for (;;) {
      std::string::size_type pos = str.find_first_of(separator, prev);
      std::string token = str.substr(prev, pos == std::string::npos ? std::string::npos : pos - prev);
      if (!token.empty()) result.push_back(token);
      if (pos == std::string::npos) break;
      prev = pos + 1;
    }
    return result;
  }

  std::string quoteString(const std::string& str, const char* deliminators) {
    std::string result;
    for (size_t i = 0; i < str.size(); i++) {
      char c = str[i];
      if (c == '%' || strchr(deliminators, c) != NULL) {
        char buf[4];
        snprintf(buf, sizeof buf, "%%%02X", (unsigned char)c);
        result += buf;
      } else {
        result += c;
      }
    }
    return result;
  }

  std::string unquoteString(const std::string& str) {
    std::string result;
    for (size_t i = 0; i < str.size(); i++) {
      if (str[i] == '%') {
        if (i + 2 >= str.size()) throw Error("Bad quoted string: '" + str + "'");
        char hex[3] = {str[i + 1], str[i + 2], 0};
        char* end;
        long v = strtol(hex, &end, 16);
        if (*end != '\0') throw Error("Bad quoted string: '" + str + "'");
        result += (char)v;
        i += 2;
      } else {
        result += str[i];
      }
    }
    return result;
  }
}
