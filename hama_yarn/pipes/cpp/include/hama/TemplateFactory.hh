// Hama Pipes C++ API: factories that construct the program's BSP (and Partitioner) classes.
#ifndef HAMA_PIPES_TEMPLATE_FACTORY_HH
#define HAMA_PIPES_TEMPLATE_FACTORY_HH

#include "hama/Pipes.hh"

namespace HamaPipes {

  /** Creates BSPClass(context). */
  template <class BSPClass, class K1, class V1, class K2, class V2, class M>
  class TemplateFactory2 : public Factory<K1, V1, K2, V2, M> {
  public:
    BSP<K1, V1, K2, V2, M>* createBSP(BSPContext<K1, V1, K2, V2, M>& context) const {
      return new BSPClass(context);
    }
  };

  /** Creates BSPClass(context) and, for runtime partitioning, PartitionerClass(context). */
  template <class BSPClass, class K1, class V1, class K2, class V2, class M, class PartitionerClass = void>
  class TemplateFactory : public TemplateFactory2<BSPClass, K1, V1, K2, V2, M> {
  public:
    Partitioner<K1, V1>* createPartitioner(BSPContext<K1, V1, K2, V2, M>& context) const {
      return new PartitionerClass(context);
    }
  };

  template <class BSPClass, class K1, class V1, class K2, class V2, class M>
  class TemplateFactory<BSPClass, K1, V1, K2, V2, M, void> : public TemplateFactory2<BSPClass, K1, V1, K2, V2, M> {};
}

#endif
