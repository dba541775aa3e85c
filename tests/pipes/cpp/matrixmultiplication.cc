// A Hama Pipes C++ program written against Hama's API: row-block matrix multiplication.  Rows of A
// (IntWritable -> PipesVectorWritable) are the input, placed on peers by a C++ Partitioner (row %
// peers); the transposed B is read with the SequenceFile calls; each result row goes to the master
// as ":row:v1,v2,..." (PipesKeyValueWritable), which writes IntWritable -> PipesVectorWritable.
#include "hama/Pipes.hh"
#include "hama/TemplateFactory.hh"
#include "hadoop/StringUtils.hh"
#include "hadoop/Splitter.hh"

#include <sstream>
#include <string>
#include <vector>

using std::string;
using std::vector;
using HamaPipes::BSP;
using HamaPipes::BSPContext;
using HamaPipes::BSPJob;
using HamaPipes::Partitioner;

static vector<double> parseVector(const string& text) {
  vector<double> v;
  vector<string> items = HadoopUtils::splitString(text, ",");
  for (size_t i = 0; i < items.size(); i++) v.push_back(HadoopUtils::toDouble(items[i]));
  return v;
}

class MatMultBSP : public BSP<int, string, int, string, string> {
  string master_;
  int b_file_;

public:
  MatMultBSP(BSPContext<int, string, int, string, string>& context) : b_file_(0) {}

  void setup(BSPContext<int, string, int, string, string>& context) {
    master_ = context.getPeerName(context.getNumPeers() / 2);
    openB(context);
  }

  void bsp(BSPContext<int, string, int, string, string>& context) {
    int row = 0;
    string row_text;
    while (context.readNext(row, row_text)) {
      vector<double> a = parseVector(row_text);
      int col = 0;
      string col_text;
      std::ostringstream out;
      out.precision(17);
      bool first = true;
      while (context.sequenceFileReadNext<int, string>(b_file_, col, col_text)) {
        vector<double> b = parseVector(col_text);
        double dot = 0.0;
        for (size_t i = 0; i < a.size() && i < b.size(); i++) dot += a[i] * b[i];
        out << (first ? "" : ",") << dot;
        first = false;
      }
      std::ostringstream msg;
      msg << ":" << row << ":" << out.str();
      context.sendMessage(master_, msg.str());
      openB(context);
    }
    context.sequenceFileClose(b_file_);
    context.sync();
  }

  void cleanup(BSPContext<int, string, int, string, string>& context) {
    if (context.getPeerName().compare(master_) != 0) return;
    int n = context.getNumCurrentMessages();
    for (int i = 0; i < n; i++) {
      string received = context.getCurrentMessage();
      HadoopUtils::Splitter parts(received.substr(1), received.substr(0, 1));
      context.write(HadoopUtils::toInt(parts[0]), parts[1]);
    }
  }

  void openB(BSPContext<int, string, int, string, string>& context) {
    if (b_file_ != 0) context.sequenceFileClose(b_file_);
    const BSPJob* job = context.getBSPJob();
    b_file_ = context.sequenceFileOpen(job->get("hama.mat.mult.B.path"), "r", "org.apache.hadoop.io.IntWritable",
                                       "org.apache.hama.commons.io.PipesVectorWritable");
  }
};

class RowPartitioner : public Partitioner<int, string> {
public:
  RowPartitioner(BSPContext<int, string, int, string, string>& context) {}
  int partition(const int& key, const string& value, int32_t num_tasks) { return key % num_tasks; }
};

int main(int argc, char* argv[]) {
  return HamaPipes::runTask<int, string, int, string, string>(
      HamaPipes::TemplateFactory<MatMultBSP, int, string, int, string, string, RowPartitioner>());
}
