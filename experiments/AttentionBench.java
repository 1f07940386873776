import java.lang.management.ManagementFactory;
import java.util.Arrays;
import org.adamix.model.ops.DropoutMask;
import org.adamix.model.ops.Kernels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fused attention kernels alone at MiniLM's shape (batch 16, 12 heads of 32, dropout 0.1 on
 * the probabilities, a key-padding bias of zeros), forward and backward, for each length given.
 * Prints per round the fastest call of each (ms), attention GFLOP/s from their sum (4·T²·d forward
 * and 8·T²·d backward per head, the recomputed scores not counted) and the MB the JVM allocated in
 * the round (0 when C2 compiled every vector operation; GBs when it left some as calls on boxed
 * vectors). Run by experiments/attention-bench.sh.
 */
public class AttentionBench {
    public static void main(String[] args) {
        int b = 16, nh = 12, dh = 32, rounds = Integer.getInteger("rounds", 3);
        for (String arg : args) {
            int t = Integer.parseInt(arg), n = b * t, h = nh * dh, reps = t >= 512 ? 8 : 30;
            Nd4j.getRandom().setSeed(1);
            INDArray q = Nd4j.rand(DataType.FLOAT, n, h), k = Nd4j.rand(DataType.FLOAT, n, h);
            INDArray v = Nd4j.rand(DataType.FLOAT, n, h), dc = Nd4j.rand(DataType.FLOAT, n, h);
            INDArray bias = Nd4j.zeros(DataType.FLOAT, b, t);
            INDArray stats = Nd4j.create(DataType.FLOAT, b, nh, t, 2);
            INDArray ctx = Nd4j.create(DataType.FLOAT, n, h), dq = Nd4j.create(DataType.FLOAT, n, h);
            INDArray dk = Nd4j.create(DataType.FLOAT, n, h), dv = Nd4j.create(DataType.FLOAT, n, h);
            DropoutMask drop = new DropoutMask(3, 0.1);
            double scale = 1 / Math.sqrt(dh), flops = 2.0 * b * nh * t * t * dh;
            for (int round = 1; round <= rounds; round++) {
                long allocated = allocated();
                double[] fwd = new double[reps], bwd = new double[reps];
                for (int i = 0; i < reps; i++) {
                    long t0 = System.nanoTime();
                    Kernels.attention(q, k, v, bias, drop, stats, ctx, b, nh, scale);
                    long t1 = System.nanoTime();
                    Kernels.attentionBackward(
                            q, k, v, bias, stats, drop, dc, dq, dk, dv, b, nh, scale);
                    fwd[i] = (t1 - t0) / 1e6;
                    bwd[i] = (System.nanoTime() - t1) / 1e6;
                }
                double f = Arrays.stream(fwd).min().orElseThrow();
                double g = Arrays.stream(bwd).min().orElseThrow();
                System.out.printf(
                        "ATTENTION seq=%d round=%d fwd_ms=%.1f bwd_ms=%.1f gflops=%.0f alloc_mb=%d%n",
                        t, round, f, g, 6 * flops / (f + g) / 1e6, (allocated() - allocated) >> 20);
            }
        }
    }

    /** Bytes allocated so far by all live threads. */
    private static long allocated() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long bytes : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) sum += Math.max(0, bytes);
        return sum;
    }
}
