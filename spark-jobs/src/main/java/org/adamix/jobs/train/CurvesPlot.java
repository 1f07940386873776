package org.adamix.jobs.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** curves.png: training loss, dev accuracy (per epoch) and examples/s against the round. */
public final class CurvesPlot {
    private CurvesPlot() {}

    public static byte[] png(List<ObjectNode> rows, String title) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYSeries loss = new XYSeries("training loss"),
                acc = new XYSeries("dev accuracy"),
                speed = new XYSeries("examples/s");
        for (ObjectNode r : rows) {
            int round = r.path("round").asInt();
            if (r.has("loss") && Double.isFinite(r.get("loss").asDouble()))
                loss.add(round, r.get("loss").asDouble());
            if (r.has("dev_accuracy")) acc.add(round, r.get("dev_accuracy").asDouble());
            if (r.has("examples_per_s")) speed.add(round, r.get("examples_per_s").asDouble());
        }
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("round"));
        plot.add(subplot(loss, "loss", false), 2);
        plot.add(subplot(acc, "dev accuracy", true), 1);
        plot.add(subplot(speed, "examples/s", false), 1);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(out, chart, 900, 700);
        return out.toByteArray();
    }

    private static XYPlot subplot(XYSeries s, String label, boolean shapes) {
        NumberAxis axis = new NumberAxis(label);
        axis.setAutoRangeIncludesZero(false);
        return new XYPlot(
                new XYSeriesCollection(s), null, axis, new XYLineAndShapeRenderer(true, shapes));
    }
}
