// Test/benchmark helper: Hadoop's own SequenceFile.Writer/Reader, for byte-compatibility
// tests against hama-yarn (tests/io/test_java_compat.py) and the Java baseline of
// benchmarks/bench_sequencefile.py.  Compiled by the tests with javac -cp 'lib/*'.
//
//   java SeqTool write FILE KEYTYPE VALUETYPE NONE|RECORD|BLOCK CODEC N   -> writes N records, prints them
//   java SeqTool read FILE                                                -> prints header + records
//   java SeqTool writeall SPECFILE / readall FILE...                        -> many files in one JVM
//   java SeqTool bench WORKLOAD NONE|BLOCK JAVA_FILE PY_FILE N            -> "write_s read_s size"
//
// Records are printed canonically, one per line: "K<TAB>V", each rendered by render():
// Text as hex of its UTF-8 bytes, ints in decimal, float/double as hex raw bits, bytes as hex.
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.*;
import org.apache.hadoop.io.SequenceFile.CompressionType;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.util.ReflectionUtils;

public class SeqTool {
  static final String[] TEXTS = {"", "a", "hello world", "ünïcödé ✓ 𝄞", "tab\there", "x".repeat(300)};

  static Writable make(String type, int i) {
    switch (type) {
      case "Text": return new Text(TEXTS[i % TEXTS.length] + i);
      case "IntWritable": return new IntWritable(i * 7919 - 100000);
      case "LongWritable": return new LongWritable((long) i * 1_000_000_007L - (1L << 40));
      case "VIntWritable": return new VIntWritable(i * 131 - 5000);
      case "VLongWritable": return new VLongWritable((long) i * -987654321L);
      case "FloatWritable": return new FloatWritable(i * 0.25f - 3.5f);
      case "DoubleWritable": return new DoubleWritable(i / 3.0 - 7.0);
      case "BooleanWritable": return new BooleanWritable(i % 3 == 0);
      case "NullWritable": return NullWritable.get();
      case "BytesWritable": {
        byte[] b = new byte[i % 50];
        for (int j = 0; j < b.length; j++) b[j] = (byte) (i * 31 + j * 7);
        return new BytesWritable(b);
      }
      default: throw new IllegalArgumentException("unknown type " + type);
    }
  }

  static String hex(byte[] b, int len) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < len; i++) sb.append(String.format("%02x", b[i] & 0xff));
    return sb.toString();
  }

  static String render(Writable w) {
    if (w instanceof Text) { Text t = (Text) w; return "T" + hex(t.getBytes(), t.getLength()); }
    if (w instanceof BytesWritable) { BytesWritable b = (BytesWritable) w; return "B" + hex(b.getBytes(), b.getLength()); }
    if (w instanceof IntWritable) return "I" + ((IntWritable) w).get();
    if (w instanceof LongWritable) return "L" + ((LongWritable) w).get();
    if (w instanceof VIntWritable) return "I" + ((VIntWritable) w).get();
    if (w instanceof VLongWritable) return "L" + ((VLongWritable) w).get();
    if (w instanceof FloatWritable) return "F" + Integer.toHexString(Float.floatToRawIntBits(((FloatWritable) w).get()));
    if (w instanceof DoubleWritable) return "D" + Long.toHexString(Double.doubleToRawLongBits(((DoubleWritable) w).get()));
    if (w instanceof BooleanWritable) return "Z" + ((BooleanWritable) w).get();
    if (w instanceof NullWritable) return "N";
    return "?" + w;
  }

  static CompressionCodec codec(Configuration conf, String name) throws Exception {
    Class<?> c = conf.getClassByName(name.contains(".") ? name : "org.apache.hadoop.io.compress." + name);
    return (CompressionCodec) ReflectionUtils.newInstance(c, conf);
  }

  static Class<?> cls(String type) throws Exception {
    return Class.forName("org.apache.hadoop.io." + type);
  }

  public static void main(String[] args) throws Exception {
    Configuration conf = new Configuration();
    conf.set("fs.defaultFS", "file:///");
    PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false, "UTF-8");
    switch (args[0]) {
      case "write": write(conf, args, out); break;
      case "read": read(conf, args[1], out); break;
      case "bench": bench(conf, args, out); break;
      case "writeall": // lines "FILE KEYTYPE VALUETYPE CTYPE CODEC N" -> FILE + records in FILE.expected
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Paths.get(args[1]))) {
          if (line.isBlank()) continue;
          String[] f = line.trim().split(" ");
          try (PrintStream o = new PrintStream(new FileOutputStream(f[0] + ".expected"), false, "UTF-8")) {
            write(conf, new String[] {"write", f[0], f[1], f[2], f[3], f[4], f[5]}, o);
          }
        }
        break;
      case "readall": // FILE... -> FILE.java.txt (or FILE.java.err with the exception)
        for (int i = 1; i < args.length; i++) {
          try (PrintStream o = new PrintStream(new FileOutputStream(args[i] + ".java.txt"), false, "UTF-8")) {
            read(conf, args[i], o);
          } catch (Exception e) {
            try (PrintStream o = new PrintStream(new FileOutputStream(args[i] + ".java.err"), false, "UTF-8")) {
              e.printStackTrace(o);
            }
          }
        }
        break;
      default: throw new IllegalArgumentException(args[0]);
    }
    out.flush();
  }

  static void write(Configuration conf, String[] a, PrintStream out) throws Exception {
    Path p = new Path(a[1]);
    CompressionType ct = CompressionType.valueOf(a[4]);
    int n = Integer.parseInt(a[6]);
    SequenceFile.Metadata meta = new SequenceFile.Metadata();
    meta.set(new Text("writer"), new Text("java"));
    meta.set(new Text("count"), new Text(Integer.toString(n)));
    List<SequenceFile.Writer.Option> opts = new ArrayList<>(Arrays.asList(
        SequenceFile.Writer.file(p), SequenceFile.Writer.keyClass(cls(a[2])), SequenceFile.Writer.valueClass(cls(a[3])),
        SequenceFile.Writer.metadata(meta)));
    opts.add(ct == CompressionType.NONE ? SequenceFile.Writer.compression(ct)
                                        : SequenceFile.Writer.compression(ct, codec(conf, a[5])));
    try (SequenceFile.Writer w = SequenceFile.createWriter(conf, opts.toArray(new SequenceFile.Writer.Option[0]))) {
      for (int i = 0; i < n; i++) {
        Writable k = make(a[2], i), v = make(a[3], i + 1);
        w.append(k, v);
        out.println(render(k) + "\t" + render(v));
      }
    }
  }

  static void read(Configuration conf, String file, PrintStream out) throws Exception {
    try (SequenceFile.Reader r = new SequenceFile.Reader(conf, SequenceFile.Reader.file(new Path(file)))) {
      out.println("#header\t" + r.getKeyClassName() + "\t" + r.getValueClassName() + "\t" + r.getCompressionType()
          + "\t" + (r.getCompressionCodec() == null ? "-" : r.getCompressionCodec().getClass().getName()));
      for (Map.Entry<Text, Text> e : r.getMetadata().getMetadata().entrySet())
        out.println("#meta\t" + e.getKey() + "\t" + e.getValue());
      Writable k = (Writable) ReflectionUtils.newInstance(r.getKeyClass(), conf);
      Writable v = (Writable) ReflectionUtils.newInstance(r.getValueClass(), conf);
      while (r.next(k, v)) out.println(render(k) + "\t" + render(v));
    }
  }

  static String pad(int i, int width) {
    String s = Integer.toString(i);
    return s.length() >= width ? s : "0".repeat(width - s.length()) + s;
  }

  // Same workloads as benchmarks/bench_sequencefile.py.
  static void bench(Configuration conf, String[] a, PrintStream out) throws Exception {
    String wl = a[1];
    CompressionType ct = CompressionType.valueOf(a[2].toUpperCase());
    Path jp = new Path(a[3]);
    int n = Integer.parseInt(a[5]);
    boolean small = wl.startsWith("small");
    byte[] blob = new byte[64 * 1024];
    new Random(1).nextBytes(blob);
    FileSystem.getLocal(conf).delete(jp, false);
    if (!a[1].endsWith("-warm")) {  // warm up class loading, FileSystem and the JIT first
      String[] w = a.clone();
      w[1] = wl + "-warm"; w[3] = a[3] + ".warm"; w[4] = a[3] + ".warm"; w[5] = Integer.toString(Math.max(1, n / 5));
      bench(conf, w, new PrintStream(OutputStream.nullOutputStream()));
      FileSystem.getLocal(conf).delete(new Path(w[3]), false);
    }
    small = wl.startsWith("small");
    long t0 = System.nanoTime();
    List<SequenceFile.Writer.Option> opts = new ArrayList<>(Arrays.asList(SequenceFile.Writer.file(jp),
        SequenceFile.Writer.keyClass(small ? LongWritable.class : Text.class),
        SequenceFile.Writer.valueClass(small ? Text.class : BytesWritable.class)));
    opts.add(ct == CompressionType.NONE ? SequenceFile.Writer.compression(ct)
                                        : SequenceFile.Writer.compression(ct, codec(conf, "DefaultCodec")));
    try (SequenceFile.Writer w = SequenceFile.createWriter(conf, opts.toArray(new SequenceFile.Writer.Option[0]))) {
      LongWritable lk = new LongWritable(); Text tk = new Text(); Text tv = new Text(); BytesWritable bv = new BytesWritable(blob);
      for (int i = 0; i < n; i++) {
        if (small) {
          lk.set(i); tv.set("value-" + pad(i, 12) + "-abcdefghijklmnopqrstuvwxyz0123"); w.append(lk, tv);
        } else {
          tk.set("key-" + pad(i, 8)); w.append(tk, bv);
        }
      }
    }
    double writeS = (System.nanoTime() - t0) / 1e9;
    // Read the file hama-yarn wrote (the same file the Python reader timed).
    long t1 = System.nanoTime();
    long count = 0;
    try (SequenceFile.Reader r = new SequenceFile.Reader(conf, SequenceFile.Reader.file(new Path(a[4])))) {
      Writable k = (Writable) ReflectionUtils.newInstance(r.getKeyClass(), conf);
      Writable v = (Writable) ReflectionUtils.newInstance(r.getValueClass(), conf);
      while (r.next(k, v)) count++;
    }
    double readS = (System.nanoTime() - t1) / 1e9;
    if (count != n) throw new IllegalStateException("read " + count + " of " + n);
    out.println(writeS + " " + readS + " " + new File(a[3]).length());
  }
}
