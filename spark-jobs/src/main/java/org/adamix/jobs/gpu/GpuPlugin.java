package org.adamix.jobs.gpu;

import java.util.List;
import java.util.Map;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --conf spark.plugins=org.adamix.jobs.gpu.GpuPlugin}: binds every task's thread to the GPU
 * Spark assigned to it ({@link GpuBinding#bindCurrentTask()}) before the task runs, so no job code
 * has to.
 *
 * <p>An executor that was asked for GPUs per task but was given none fails at start ({@link
 * #check}), with the settings to look at in the message: Spark would otherwise run every task on
 * device 0 or the CPU. Spark logs and swallows exceptions thrown from {@code onTaskStart}; they are
 * logged here at ERROR too.
 */
public final class GpuPlugin implements SparkPlugin {
    private static final Logger LOG = LoggerFactory.getLogger(GpuPlugin.class);

    @Override
    public DriverPlugin driverPlugin() {
        return null;
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new ExecutorPlugin() {
            @Override
            public void init(PluginContext ctx, Map<String, String> extraConf) {
                check(
                        GpuBinding.toLists(ctx.resources()),
                        ctx.conf().get(GpuBinding.TASK_AMOUNT, null),
                        ctx.executorID());
            }

            @Override
            public void onTaskStart() {
                try {
                    GpuBinding.bindCurrentTask();
                } catch (RuntimeException e) {
                    LOG.error(
                            "GPU binding failed; this task runs on the backend's default device: {}",
                            e.getMessage());
                    throw e;
                }
            }
        };
    }

    /**
     * Fails when tasks ask for GPUs ({@code taskAmount} &gt; 0) but the executor has no GPU
     * address.
     */
    static void check(
            Map<String, List<String>> executorResources, String taskAmount, String executorId) {
        if (!GpuBinding.gpuRequested(taskAmount)) return;
        List<String> gpus = executorResources.get(GpuBinding.RESOURCE);
        if (gpus == null || gpus.isEmpty()) {
            throw new IllegalStateException(
                    "executor "
                            + executorId
                            + ": "
                            + GpuBinding.TASK_AMOUNT
                            + "="
                            + taskAmount
                            + " but the executor has no '"
                            + GpuBinding.RESOURCE
                            + "' resource; set "
                            + GpuBinding.EXECUTOR_AMOUNT
                            + " and spark.executor.resource.gpu.discoveryScript");
        }
        LOG.info("executor {}: GPUs {} available for tasks", executorId, gpus);
    }
}
