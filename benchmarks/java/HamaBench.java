/*
 * The Java side of benchmarks/bench_vs_hama.py: the jobs that hama-examples 0.7.1 ships (it is not on
 * Maven Central), written here against Apache Hama 0.7.1's public API (hama-core, hama-graph, hama-ml) and
 * their documented semantics, run in Hama's local mode (bsp.master.address=local: tasks are threads in
 * this JVM).
 *
 *   java -cp 'tests/cluster/lib/hama/*:CLASSES' HamaBench JOB OUT [key=value ...]
 *
 * JOB: pi | cmb | bench | pagerank | sssp | kmeans.  Every key=value goes into the job configuration
 * (bsp.peers.num, input paths, iterations, ...).  Prints "JOB_MS <ms>" (submit to completion, polled every
 * 5 ms: waitForCompletion polls every 3-5 s) and "SUPERSTEPS <n>" on stdout; exit 1 when the job fails.
 */

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Random;

import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.BytesWritable;
import org.apache.hadoop.io.DoubleWritable;
import org.apache.hadoop.io.IntWritable;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.NullWritable;
import org.apache.hadoop.io.Text;
import org.apache.hama.HamaConfiguration;
import org.apache.hama.bsp.BSP;
import org.apache.hama.bsp.BSPJob;
import org.apache.hama.bsp.BSPPeer;
import org.apache.hama.bsp.Combiner;
import org.apache.hama.bsp.HashPartitioner;
import org.apache.hama.bsp.NullInputFormat;
import org.apache.hama.bsp.NullOutputFormat;
import org.apache.hama.bsp.TextInputFormat;
import org.apache.hama.bsp.TextOutputFormat;
import org.apache.hama.bsp.sync.SyncException;
import org.apache.hama.graph.AverageAggregator;
import org.apache.hama.graph.Edge;
import org.apache.hama.graph.GraphJob;
import org.apache.hama.graph.Vertex;
import org.apache.hama.graph.VertexInputReader;
import org.apache.hama.ml.kmeans.KMeansBSP;

public final class HamaBench {

  private HamaBench() {
  }

  // ---------------------------------------------------------------- pi (PiEstimator)
  /** Each task throws pi.iterations darts and sends its estimate to task 0, which writes the average. */
  public static class PiBSP extends BSP<NullWritable, NullWritable, Text, DoubleWritable, DoubleWritable> {
    @Override
    public void bsp(BSPPeer<NullWritable, NullWritable, Text, DoubleWritable, DoubleWritable> peer)
        throws IOException, SyncException, InterruptedException {
      long n = peer.getConfiguration().getLong("pi.iterations", 100000L);
      Random rnd = new Random(7919L * peer.getConfiguration().getLong("pi.seed", 0L) + peer.getPeerIndex());
      long inside = 0;
      for (long i = 0; i < n; i++) {
        double x = rnd.nextDouble();
        double y = rnd.nextDouble();
        if (x * x + y * y <= 1.0) {
          inside++;
        }
      }
      peer.send(peer.getPeerName(0), new DoubleWritable(4.0 * inside / n));
      peer.sync();
      if (peer.getPeerIndex() == 0) {
        double sum = 0;
        int k = 0;
        DoubleWritable m;
        while ((m = peer.getCurrentMessage()) != null) {
          sum += m.get();
          k++;
        }
        peer.write(new Text("Estimated value of PI is"), new DoubleWritable(sum / k));
      }
    }
  }

  // ---------------------------------------------------------------- cmb (CombineExample)
  /** Sums the messages to one destination. */
  public static class SumCombiner extends Combiner<IntWritable> {
    @Override
    public IntWritable combine(Iterable<IntWritable> messages) {
      int s = 0;
      for (IntWritable m : messages) {
        s += m.get();
      }
      return new IntWritable(s);
    }
  }

  /** Every task sends 1, 2, 3 to every task; with SumCombiner each receives one 6 per sender. */
  public static class CombineBSP extends BSP<NullWritable, NullWritable, Text, IntWritable, IntWritable> {
    @Override
    public void bsp(BSPPeer<NullWritable, NullWritable, Text, IntWritable, IntWritable> peer)
        throws IOException, SyncException, InterruptedException {
      for (String name : peer.getAllPeerNames()) {
        for (int v = 1; v <= 3; v++) {
          peer.send(name, new IntWritable(v));
        }
      }
      peer.sync();
      IntWritable m;
      while ((m = peer.getCurrentMessage()) != null) {
        peer.write(new Text(peer.getPeerName()), m);
      }
    }
  }

  // ---------------------------------------------------------------- bench (RandBench)
  /** msg.size-byte messages, communications.num per superstep to random tasks, supersteps.num times. */
  public static class RandBSP extends BSP<NullWritable, NullWritable, IntWritable, LongWritable, BytesWritable> {
    @Override
    public void bsp(BSPPeer<NullWritable, NullWritable, IntWritable, LongWritable, BytesWritable> peer)
        throws IOException, SyncException, InterruptedException {
      int size = peer.getConfiguration().getInt("msg.size", 1024);
      int comms = peer.getConfiguration().getInt("communications.num", 1000);
      int steps = peer.getConfiguration().getInt("supersteps.num", 50);
      Random rnd = new Random(peer.getPeerIndex());
      String[] names = peer.getAllPeerNames();
      long received = 0;
      for (int s = 0; s < steps; s++) {
        for (int i = 0; i < comms; i++) {
          byte[] buf = new byte[size];
          rnd.nextBytes(buf);
          peer.send(names[rnd.nextInt(names.length)], new BytesWritable(buf));
        }
        peer.sync();
        BytesWritable m;
        while ((m = peer.getCurrentMessage()) != null) {
          received++;
        }
      }
      peer.write(new IntWritable(peer.getPeerIndex()), new LongWritable(received));
    }
  }

  // ---------------------------------------------------------------- pagerank (examples PageRank)
  /** Hama's PageRank.PageRankVertex: 1/N, then (1-d)/N + d*sum; AverageAggregator halt; self edges. */
  public static class PageRankVertex extends Vertex<Text, NullWritable, DoubleWritable> {
    static double damping = 0.85;
    static double error = 0.001;

    @Override
    public void setup(HamaConfiguration conf) {
      damping = Double.parseDouble(conf.get("hama.pagerank.alpha", "0.85"));
      error = Double.parseDouble(conf.get("hama.graph.max.convergence.error", "0.001"));
    }

    @Override
    public void compute(Iterable<DoubleWritable> messages) throws IOException {
      if (this.getSuperstepCount() == 0) {
        this.setValue(new DoubleWritable(1.0 / this.getNumVertices()));
      } else {
        double sum = 0;
        for (DoubleWritable m : messages) {
          sum += m.get();
        }
        this.setValue(new DoubleWritable((1.0 - damping) / this.getNumVertices() + damping * sum));
        aggregate(0, this.getValue());
      }
      DoubleWritable err = getAggregatedValue(0);
      if (err != null && this.getSuperstepCount() > 2 && error > err.get()) {
        voteToHalt();
      } else if (!this.getEdges().isEmpty()) {
        sendMessageToNeighbors(new DoubleWritable(this.getValue().get() / this.getEdges().size()));
      }
    }

    private long getNumVertices() {
      return this.getTotalNumVertices();
    }
  }

  /** {@code id<TAB>dst dst ...} (the text adjacency format); no tab = no out-edges. */
  public static class AdjacencyReader extends VertexInputReader<LongWritable, Text, Text, NullWritable, DoubleWritable> {
    @Override
    public boolean parseVertex(LongWritable key, Text value, Vertex<Text, NullWritable, DoubleWritable> vertex) {
      String line = value.toString();
      int tab = line.indexOf('\t');
      vertex.setVertexID(new Text(tab < 0 ? line.trim() : line.substring(0, tab)));
      if (tab >= 0) {
        for (String d : line.substring(tab + 1).trim().split(" ")) {
          if (!d.isEmpty()) {
            vertex.addEdge(new Edge<Text, NullWritable>(new Text(d), null));
          }
        }
      }
      return true;
    }
  }

  // ---------------------------------------------------------------- sssp (examples SSSP)
  /** Hama's SSSP.ShortestPathVertex (int distances, MAX_VALUE = unreached). */
  public static class ShortestPathVertex extends Vertex<Text, IntWritable, IntWritable> {
    @Override
    public void setup(HamaConfiguration conf) {
      this.setValue(new IntWritable(Integer.MAX_VALUE));
    }

    private boolean isStartVertex() {
      return this.getVertexID().toString().equals(getConf().get("shortest.paths.start.vertex.name"));
    }

    @Override
    public void compute(Iterable<IntWritable> messages) throws IOException {
      if (getSuperstepCount() == 0 && isStartVertex()) {
        setValue(new IntWritable(0));
        for (Edge<Text, IntWritable> e : getEdges()) {
          sendMessage(e, new IntWritable(e.getValue().get()));
        }
      } else {
        int min = Integer.MAX_VALUE;
        for (IntWritable m : messages) {
          min = Math.min(min, m.get());
        }
        if (min < getValue().get()) {
          setValue(new IntWritable(min));
          for (Edge<Text, IntWritable> e : getEdges()) {
            sendMessage(e, new IntWritable(min + e.getValue().get()));
          }
        }
      }
      voteToHalt();
    }
  }

  /** Keeps the smallest distance. */
  public static class MinIntCombiner extends Combiner<IntWritable> {
    @Override
    public IntWritable combine(Iterable<IntWritable> messages) {
      int min = Integer.MAX_VALUE;
      for (IntWritable m : messages) {
        min = Math.min(min, m.get());
      }
      return new IntWritable(min);
    }
  }

  /** {@code id<TAB>dst:w dst:w ...}. */
  public static class WeightedReader extends VertexInputReader<LongWritable, Text, Text, IntWritable, IntWritable> {
    @Override
    public boolean parseVertex(LongWritable key, Text value, Vertex<Text, IntWritable, IntWritable> vertex) {
      String line = value.toString();
      int tab = line.indexOf('\t');
      vertex.setVertexID(new Text(tab < 0 ? line.trim() : line.substring(0, tab)));
      if (tab >= 0) {
        for (String d : line.substring(tab + 1).trim().split(" ")) {
          if (!d.isEmpty()) {
            int c = d.indexOf(':');
            vertex.addEdge(new Edge<Text, IntWritable>(new Text(d.substring(0, c)),
                new IntWritable(Integer.parseInt(d.substring(c + 1)))));
          }
        }
      }
      return true;
    }
  }

  // ---------------------------------------------------------------- driver
  public static void main(String[] args) throws Exception {
    // Hama 0.7.1 casts the context class loader to URLClassLoader when a task starts (pre-Java-9 JDKs).
    Thread.currentThread().setContextClassLoader(new URLClassLoader(new URL[0], HamaBench.class.getClassLoader()));
    String name = args[0];
    Path out = new Path(args[1]);
    HamaConfiguration conf = new HamaConfiguration();
    conf.set("bsp.master.address", "local");
    for (int i = 2; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      conf.set(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    int tasks = conf.getInt("bsp.peers.num", 2);
    conf.setInt("bsp.local.tasks.maximum", tasks);
    BSPJob job;
    switch (name) {
      case "pi":
      case "cmb":
      case "bench": {
        job = new BSPJob(conf, HamaBench.class);
        job.setBspClass(name.equals("pi") ? PiBSP.class : name.equals("cmb") ? CombineBSP.class : RandBSP.class);
        job.setInputFormat(NullInputFormat.class);
        job.setOutputFormat(TextOutputFormat.class);
        job.setOutputPath(out);
        if (name.equals("cmb")) {
          job.setCombinerClass(SumCombiner.class);
        }
        job.setNumBspTask(tasks);
        break;
      }
      case "pagerank":
      case "sssp": {
        GraphJob g = new GraphJob(conf, HamaBench.class);
        boolean pr = name.equals("pagerank");
        g.setInputPath(new Path(conf.get("bench.input")));
        g.setOutputPath(out);
        g.setInputFormat(TextInputFormat.class);
        g.setInputKeyClass(LongWritable.class);
        g.setInputValueClass(Text.class);
        g.setOutputFormat(TextOutputFormat.class);
        g.setOutputKeyClass(Text.class);
        g.setOutputValueClass(pr ? DoubleWritable.class : IntWritable.class);
        g.setPartitioner(HashPartitioner.class);
        g.setVertexIDClass(Text.class);
        if (pr) {
          g.setVertexClass(PageRankVertex.class);
          g.setVertexInputReaderClass(AdjacencyReader.class);
          g.setVertexValueClass(DoubleWritable.class);
          g.setEdgeValueClass(NullWritable.class);
          g.setAggregatorClass(AverageAggregator.class);
          g.set("hama.graph.self.ref", "true");
          g.setMaxIteration(conf.getInt("bench.iterations", 30));
        } else {
          g.setVertexClass(ShortestPathVertex.class);
          g.setVertexInputReaderClass(WeightedReader.class);
          g.setVertexValueClass(IntWritable.class);
          g.setEdgeValueClass(IntWritable.class);
          g.setCombinerClass(MinIntCombiner.class);
          g.setMaxIteration(Integer.MAX_VALUE);
        }
        g.setNumBspTask(tasks);
        job = g;
        break;
      }
      case "kmeans": {
        // hama-ml's KMeansBSP: input = VectorWritable SequenceFile, centers from center.in.path
        Path in = new Path(conf.get("bench.input"));
        job = KMeansBSP.createJob(conf, in, out, true);
        job.setNumBspTask(tasks);
        break;
      }
      default:
        throw new IllegalArgumentException("unknown job " + name);
    }
    long t0 = System.nanoTime();
    job.submit();
    while (!job.isComplete()) {
      Thread.sleep(5);
    }
    long ms = (System.nanoTime() - t0) / 1000000L;
    System.out.println("JOB_MS " + ms);
    boolean ok = job.isSuccessful();
    System.out.println("SUCCESS " + ok);
    System.out.flush();
    System.exit(ok ? 0 : 1);
  }
}
