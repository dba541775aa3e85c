// Admin operations the HBase Thrift1 API lacks: create a pre-split table, split a region.
// Used by `hama hbase create --split` and the tests; compiled on first use against the
// HBase client jars ($HAMA_HBASE_CLASSPATH, $HBASE_CLASSPATH or `hbase classpath`).
//   create TABLE fam[,fam...] MAXVERSIONS [SPLIT_HEX...]
//   split  TABLE ROW_HEX          (waits until the table has more regions)
//   regions TABLE                 (prints start<TAB>end in hex, one region per line)
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.RegionInfo;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;

public class HamaHBaseAdmin {
  static byte[] hex(String s) {
    byte[] out = new byte[s.length() / 2];
    for (int i = 0; i < out.length; i++) out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    return out;
  }

  static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b) sb.append(String.format("%02x", x & 0xff));
    return sb.toString();
  }

  public static void main(String[] a) throws Exception {
    Configuration conf = HBaseConfiguration.create();
    conf.setInt("hbase.client.retries.number", 5);
    try (Connection c = ConnectionFactory.createConnection(conf); Admin admin = c.getAdmin()) {
      TableName t = TableName.valueOf(a[1]);
      switch (a[0]) {
        case "create": {
          TableDescriptorBuilder b = TableDescriptorBuilder.newBuilder(t);
          int versions = Integer.parseInt(a[3]);
          for (String f : a[2].split(",")) {
            b.setColumnFamily(ColumnFamilyDescriptorBuilder.newBuilder(f.getBytes("UTF-8")).setMaxVersions(versions).build());
          }
          List<byte[]> splits = new ArrayList<>();
          for (int i = 4; i < a.length; i++) splits.add(hex(a[i]));
          if (splits.isEmpty()) admin.createTable(b.build());
          else admin.createTable(b.build(), splits.toArray(new byte[0][]));
          break;
        }
        case "split": {
          int before = admin.getRegions(t).size();
          admin.split(t, hex(a[2]));
          long deadline = System.currentTimeMillis() + 120000;
          while (admin.getRegions(t).size() <= before) {
            if (System.currentTimeMillis() > deadline) throw new RuntimeException("split of " + t + " did not finish in 120 s");
            Thread.sleep(200);
          }
          break;
        }
        case "regions": {
          for (RegionInfo r : admin.getRegions(t)) System.out.println(hex(r.getStartKey()) + "\t" + hex(r.getEndKey()));
          break;
        }
        default:
          throw new IllegalArgumentException("unknown command " + a[0]);
      }
    }
  }
}
