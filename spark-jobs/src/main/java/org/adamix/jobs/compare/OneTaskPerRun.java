package org.adamix.jobs.compare;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * How a comparison trains: the backbone and the data broadcast once, every configuration one Spark
 * task (one partition each, so N executor slots train N configurations at once), each result saved
 * as soon as its task ends (an interrupted comparison keeps every finished run).
 */
public final class OneTaskPerRun {
    private OneTaskPerRun() {}

    /** One configuration trained start to finish on the broadcast data and backbone. */
    public interface Trainer<B, D> extends Serializable {
        RunResult run(RunConfig config, D data, B backbone);
    }

    public static <B, D> List<RunResult> train(
            JavaSparkContext sc,
            List<RunConfig> todo,
            RunFiles files,
            B backbone,
            D data,
            Trainer<B, D> trainer) {
        Broadcast<B> shipped = sc.broadcast(backbone);
        Broadcast<D> shippedData = sc.broadcast(data);
        sc.setJobDescription("compare: " + todo.size() + " training runs, one per task");
        try {
            return sc.parallelize(todo, todo.size())
                    .map(
                            c -> {
                                RunResult r = trainer.run(c, shippedData.value(), shipped.value());
                                files.save(r);
                                return r;
                            })
                    .collect();
        } finally {
            shippedData.destroy();
            shipped.destroy();
        }
    }
}
