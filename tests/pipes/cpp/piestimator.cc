// A Hama Pipes C++ program written against Hama's API: Monte-Carlo pi with no input; every peer
// sends its hit count (int) to a master peer, which writes the estimate (DoubleWritable).
#include "hama/Pipes.hh"
#include "hama/TemplateFactory.hh"

#include <math.h>
#include <stdlib.h>
#include <time.h>
#include <string>

using std::string;
using HamaPipes::BSP;
using HamaPipes::BSPContext;

class PiBSP : public BSP<void, void, void, double, int> {
  string master_;
  long iterations_;

public:
  PiBSP(BSPContext<void, void, void, double, int>& context) : iterations_(1000000L) {}

  void setup(BSPContext<void, void, void, double, int>& context) {
    master_ = context.getPeerName(context.getNumPeers() / 2);
    const HamaPipes::BSPJob* job = context.getBSPJob();
    if (job->hasKey("hama.pi.iterations")) iterations_ = job->getInt("hama.pi.iterations");
  }

  void bsp(BSPContext<void, void, void, double, int>& context) {
    srand((unsigned)time(NULL) + 7919u * (unsigned)context.getPeerIndex());
    int in = 0;
    for (long i = 0; i < iterations_; i++) {
      double x = 2.0 * rand() / (double)RAND_MAX - 1.0;
      double y = 2.0 * rand() / (double)RAND_MAX - 1.0;
      if (sqrt(x * x + y * y) < 1.0) in++;
    }
    context.incrementCounter("pipes", "darts", iterations_);
    context.sendMessage(master_, in);
    context.sync();
  }

  void cleanup(BSPContext<void, void, void, double, int>& context) {
    if (context.getPeerName().compare(master_) != 0) return;
    long hits = 0;
    int n = context.getNumCurrentMessages();
    for (int i = 0; i < n; i++) hits += context.getCurrentMessage();
    context.write(4.0 * hits / (n * (double)iterations_));
  }
};

int main(int argc, char* argv[]) {
  return HamaPipes::runTask<void, void, void, double, int>(
      HamaPipes::TemplateFactory<PiBSP, void, void, void, double, int>());
}
