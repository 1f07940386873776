package org.adamix.jobs.compare;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.renderer.category.StatisticalBarRenderer;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;

/**
 * compare.png: one bar per method (test metric, or dev without a test set) with ± one standard
 * deviation.
 */
public final class ComparePlot {
    private ComparePlot() {}

    public static byte[] png(Summary s, String title) throws IOException {
        System.setProperty("java.awt.headless", "true");
        String split = s.hasTest() ? "test" : "dev";
        String metric = s.hasTest() ? s.testMetric() : s.metric();
        DefaultStatisticalCategoryDataset data = new DefaultStatisticalCategoryDataset();
        for (Summary.MethodRow r : s.methods()) {
            Summary.Stat st = s.hasTest() ? r.test() : r.dev();
            data.add(finite(st.mean()), finite(st.std()), split + " " + metric, r.method());
        }
        NumberAxis axis = new NumberAxis(split + " " + metric + " (mean ± std over seeds)");
        CategoryPlot plot =
                new CategoryPlot(
                        data, new CategoryAxis("method"), axis, new StatisticalBarRenderer());
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(out, chart, 900, 500);
        return out.toByteArray();
    }

    /** A diverged method draws no bar (0) rather than breaking the chart. */
    private static double finite(double v) {
        return Double.isFinite(v) ? v : 0.0;
    }
}
