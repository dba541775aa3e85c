// A Hama Pipes C++ program written against Hama's API (as Hama users wrote them): every peer sums
// the values of its KeyValueTextInputFormat records and sends the sum to a master peer, which
// writes the total as a DoubleWritable (NullWritable key).
#include "hama/Pipes.hh"
#include "hama/TemplateFactory.hh"
#include "hadoop/StringUtils.hh"

#include <string>

using std::string;
using HamaPipes::BSP;
using HamaPipes::BSPContext;

class SumBSP : public BSP<string, string, void, double, double> {
  string master_;

public:
  SumBSP(BSPContext<string, string, void, double, double>& context) {}

  void setup(BSPContext<string, string, void, double, double>& context) {
    master_ = context.getPeerName(context.getNumPeers() / 2);
  }

  void bsp(BSPContext<string, string, void, double, double>& context) {
    double partial = 0.0;
    string key, value;
    while (context.readNext(key, value)) partial += HadoopUtils::toDouble(value);
    context.sendMessage(master_, partial);
    context.sync();
  }

  void cleanup(BSPContext<string, string, void, double, double>& context) {
    if (context.getPeerName().compare(master_) != 0) return;
    double total = 0.0;
    int n = context.getNumCurrentMessages();
    for (int i = 0; i < n; i++) total += context.getCurrentMessage();
    context.write(total);
  }
};

int main(int argc, char* argv[]) {
  return HamaPipes::runTask<string, string, void, double, double>(
      HamaPipes::TemplateFactory<SumBSP, string, string, void, double, double>());
}
