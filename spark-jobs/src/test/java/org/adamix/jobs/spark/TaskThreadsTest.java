package org.adamix.jobs.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.IntStream;
import org.adamix.model.ops.Threads;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * A task runs its GEMMs and vector kernels on its own cores (spark.task.cpus = 1 here), whatever
 * the JVM used before: the driver of local[2] shares the JVM and set 2.
 */
class TaskThreadsTest {
    @Test
    void everyTaskThreadUsesItsTaskCores() {
        try (JavaSparkContext sc =
                new JavaSparkContext(
                        new SparkConf()
                                .setMaster("local[2]")
                                .setAppName("task-threads")
                                .set("spark.ui.enabled", "false"))) {
            Threads.use(2);
            List<Integer> counts =
                    sc.parallelize(IntStream.range(0, 16).boxed().toList(), 8)
                            .mapPartitions(
                                    it -> {
                                        ExecutorModels.limitThreadsToTask();
                                        return List.of(Threads.blas(), Threads.kernels())
                                                .iterator();
                                    })
                            .collect();
            assertEquals(16, counts.size());
            for (int c : counts)
                assertEquals(1, c, "GEMM and kernel threads in each task: " + counts);
        }
    }
}
