import java.io.BufferedReader;
import java.io.FileReader;
import java.util.ArrayList;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.IntWritable;
import org.apache.hadoop.io.NullWritable;
import org.apache.hadoop.io.SequenceFile;
import org.apache.hadoop.io.Writable;
import org.apache.hadoop.util.ReflectionUtils;
import org.apache.hama.commons.io.PipesVectorWritable;
import org.apache.hama.commons.io.VectorWritable;
import org.apache.hama.commons.math.DenseDoubleVector;
import org.apache.hama.commons.math.DoubleVector;

/**
 * Java Hadoop side of the Hama Pipes C++ tests (tests/pipes/test_pipes_cpp_java.py).
 *
 * write-matrix TEXT SEQ: rows of TEXT (space-separated doubles) as a SequenceFile
 *   IntWritable (row index) -> Hama's PipesVectorWritable (hama-commons 0.7.1).
 * dump KEYCLASS VALUECLASS SEQ...: check each file declares exactly these Writable classes, read every
 *   record with them and print key TAB value (vectors as comma-separated doubles).
 */
public class PipesJavaTool {
  public static void main(String[] args) throws Exception {
    Configuration conf = new Configuration();
    if (args[0].equals("write-matrix")) {
      try (BufferedReader in = new BufferedReader(new FileReader(args[1]));
           SequenceFile.Writer w = SequenceFile.createWriter(conf,
               SequenceFile.Writer.file(new Path("file://" + args[2])),
               SequenceFile.Writer.keyClass(IntWritable.class),
               SequenceFile.Writer.valueClass(PipesVectorWritable.class))) {
        String line;
        int row = 0;
        while ((line = in.readLine()) != null) {
          String[] items = line.trim().split(" ");
          double[] values = new double[items.length];
          for (int i = 0; i < items.length; i++) {
            values[i] = Double.parseDouble(items[i]);
          }
          w.append(new IntWritable(row++), new PipesVectorWritable(new DenseDoubleVector(values)));
        }
      }
    } else if (args[0].equals("dump")) {
      String keyClass = args[1], valueClass = args[2];
      for (int f = 3; f < args.length; f++) {
        try (SequenceFile.Reader r = new SequenceFile.Reader(conf,
            SequenceFile.Reader.file(new Path(args[f].contains("://") ? args[f] : "file://" + args[f])))) {
          if (!r.getKeyClassName().equals(keyClass) || !r.getValueClassName().equals(valueClass)) {
            throw new IllegalStateException(args[f] + " declares " + r.getKeyClassName() + " -> "
                + r.getValueClassName() + ", not " + keyClass + " -> " + valueClass);
          }
          Writable key = make(conf, keyClass), value = make(conf, valueClass);
          while (r.next(key, value)) {
            System.out.println(show(key) + "\t" + show(value));
          }
        }
      }
    } else {
      throw new IllegalArgumentException("unknown command " + args[0]);
    }
  }

  static Writable make(Configuration conf, String name) throws Exception {
    if (name.equals(NullWritable.class.getName())) {
      return NullWritable.get();
    }
    return (Writable) ReflectionUtils.newInstance(conf.getClassByName(name), conf);
  }

  static String show(Writable w) {
    if (w instanceof VectorWritable) {
      DoubleVector v = ((VectorWritable) w).getVector();
      List<String> items = new ArrayList<>();
      for (int i = 0; i < v.getLength(); i++) {
        items.add(Double.toString(v.get(i)));
      }
      return String.join(",", items);
    }
    return w instanceof NullWritable ? "(null)" : w.toString();
  }
}
