// Test helper: reads graph SequenceFiles (Text id -> Hama's TextArrayWritable of "dst" /
// "dst:weight" tokens, as hama_yarn.graph.generators.write_sequencefile writes them) with
// Hadoop's own SequenceFile.Reader; see tests/io/test_java_graph_seq.py.
//
//   java GraphSeqDump FILE...   -> FILE.java.txt: "#header<TAB>KEYCLASS<TAB>VALUECLASS<TAB>CTYPE<TAB>CODEC",
//                                  then "ID<TAB>TOKEN TOKEN ..." per record (or FILE.java.err)
//
// Hama's hama-commons jar is not among the test cluster's jars, so the class name
// org.apache.hama.commons.io.TextArrayWritable is bound (WritableName.addName) to a local
// ArrayWritable of Text, which has the same wire format: int32 count, then each Text.
import java.io.*;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.*;
import org.apache.hadoop.util.ReflectionUtils;

public class GraphSeqDump {
  public static class TextArray extends ArrayWritable {
    public TextArray() { super(Text.class); }
  }

  public static void main(String[] args) throws Exception {
    WritableName.addName(TextArray.class, "org.apache.hama.commons.io.TextArrayWritable");
    Configuration conf = new Configuration();
    conf.set("fs.defaultFS", "file:///");
    for (String file : args) {
      try (PrintStream out = new PrintStream(new FileOutputStream(file + ".java.txt"), false, "UTF-8")) {
        dump(conf, file, out);
      } catch (Exception e) {
        try (PrintStream err = new PrintStream(new FileOutputStream(file + ".java.err"), false, "UTF-8")) {
          e.printStackTrace(err);
        }
      }
    }
  }

  static void dump(Configuration conf, String file, PrintStream out) throws Exception {
    try (SequenceFile.Reader r = new SequenceFile.Reader(conf, SequenceFile.Reader.file(new Path(file)))) {
      out.println("#header\t" + r.getKeyClassName() + "\t" + r.getValueClassName() + "\t" + r.getCompressionType()
          + "\t" + (r.getCompressionCodec() == null ? "-" : r.getCompressionCodec().getClass().getName()));
      Text key = new Text();
      TextArray value = (TextArray) ReflectionUtils.newInstance(r.getValueClass(), conf);
      while (r.next(key, value)) {
        StringBuilder sb = new StringBuilder(key.toString()).append('\t');
        Writable[] items = value.get();
        for (int i = 0; i < items.length; i++) {
          if (i > 0) sb.append(' ');
          sb.append(items[i].toString());
        }
        out.println(sb);
      }
    }
  }
}
