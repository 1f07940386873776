package org.adamix.jobs.gpu;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the ND4J CUDA backend of a Spark task's thread to the GPU Spark assigned to that task.
 *
 * <p>With GPU scheduling on ({@code spark.executor.resource.gpu.amount}, {@code
 * spark.task.resource.gpu.amount}, a discovery script), Spark hands every task the addresses of its
 * GPUs ({@code TaskContext.get().resources()}). ND4J does not read them: without binding, every
 * thread works on CUDA device 0. {@link #bindCurrentTask()} reads the assignment, maps the address
 * to a CUDA ordinal ({@link #chooseDevice}) and switches the thread's device ({@code
 * Nd4j.getAffinityManager().unsafeSetDevice}). It must run in the task's thread before the task
 * allocates arrays; {@link GpuPlugin} does that for every task ({@code spark.plugins}).
 *
 * <p>On the CPU backend ({@code nd4j-native}, the default job jar) and when no GPU was requested or
 * assigned it does nothing. The decision is a pure function of the assignment, so it is tested
 * without Spark or a GPU.
 */
public final class GpuBinding {
    private static final Logger LOG = LoggerFactory.getLogger(GpuBinding.class);

    /** Spark's resource name for GPUs (the name in {@code spark.executor.resource.gpu.*}). */
    public static final String RESOURCE = "gpu";

    public static final String TASK_AMOUNT = "spark.task.resource.gpu.amount";
    public static final String EXECUTOR_AMOUNT = "spark.executor.resource.gpu.amount";

    private static final AtomicBoolean WARNED_CPU = new AtomicBoolean();

    private GpuBinding() {}

    /**
     * The CUDA ordinal a task should use, or empty for "no binding".
     *
     * @param assigned resource name → addresses, as Spark assigned them to the task (may be empty)
     * @param gpuRequested whether the job asked for GPUs per task ({@code
     *     spark.task.resource.gpu.amount} &gt; 0)
     * @param cudaVisibleDevices the executor's {@code CUDA_VISIBLE_DEVICES} (null or blank when
     *     unset): when set, CUDA numbers only the listed devices, 0..n-1 in list order, so an
     *     address that appears in the list maps to its position there
     * @param deviceCount CUDA devices the backend sees, or a negative number when not known (not
     *     checked)
     * @throws IllegalStateException when GPUs were requested but none was assigned, or the address
     *     cannot be a device of this executor; the message says which setting to look at
     */
    public static OptionalInt chooseDevice(
            Map<String, List<String>> assigned,
            boolean gpuRequested,
            String cudaVisibleDevices,
            int deviceCount) {
        List<String> addresses = assigned == null ? null : assigned.get(RESOURCE);
        if (addresses == null || addresses.isEmpty()) {
            if (gpuRequested) {
                throw new IllegalStateException(
                        "GPUs were requested ("
                                + TASK_AMOUNT
                                + " > 0) but Spark assigned no '"
                                + RESOURCE
                                + "' address to this task (assigned: "
                                + names(assigned)
                                + "); check "
                                + EXECUTOR_AMOUNT
                                + " and spark.executor.resource.gpu.discoveryScript "
                                + "(deploy/gpu/getGpusResources.sh must print at least one address on every executor host)");
            }
            return OptionalInt.empty();
        }
        // A task trains one model on one device: with several addresses (task amount > 1) the first
        // one is used.
        String address = addresses.get(0).trim();
        int ordinal;
        List<String> visible = visibleList(cudaVisibleDevices);
        if (visible != null) {
            ordinal = visible.indexOf(address);
            if (ordinal < 0) {
                throw new IllegalStateException(
                        "Spark assigned GPU address '"
                                + address
                                + "' but this executor has "
                                + "CUDA_VISIBLE_DEVICES="
                                + cudaVisibleDevices
                                + ", which does not list it; the discovery "
                                + "script and CUDA_VISIBLE_DEVICES must number GPUs the same way (unset CUDA_VISIBLE_DEVICES, "
                                + "or let the cluster manager isolate GPUs and the script report what the container sees)");
            }
        } else {
            try {
                ordinal = Integer.parseInt(address);
            } catch (NumberFormatException e) {
                throw new IllegalStateException(
                        "Spark assigned GPU address '"
                                + address
                                + "', which is not a CUDA "
                                + "device index; the discovery script must print indices such as \"0\", \"1\" "
                                + "(deploy/gpu/getGpusResources.sh does)");
            }
            if (ordinal < 0)
                throw new IllegalStateException(
                        "Spark assigned a negative GPU address '" + address + "'");
        }
        if (deviceCount >= 0 && ordinal >= deviceCount) {
            throw new IllegalStateException(
                    "Spark assigned GPU address '"
                            + address
                            + "' (CUDA device "
                            + ordinal
                            + ") but the ND4J CUDA backend sees only "
                            + deviceCount
                            + " device(s) on this executor");
        }
        return OptionalInt.of(ordinal);
    }

    /**
     * Whether the executor's configuration asks for GPUs per task ({@code
     * spark.task.resource.gpu.amount} &gt; 0).
     */
    public static boolean gpuRequested(String taskAmount) {
        if (taskAmount == null || taskAmount.isBlank()) return false;
        try {
            return Double.parseDouble(taskAmount.trim()) > 0;
        } catch (NumberFormatException e) {
            throw new IllegalStateException(
                    TASK_AMOUNT + " must be a number, got '" + taskAmount + "'");
        }
    }

    /**
     * Binds the current Spark task's thread to its assigned GPU and returns the CUDA ordinal; empty
     * when not in a Spark task, when no GPU was requested or assigned, or on the CPU backend (a
     * no-op there).
     */
    public static OptionalInt bindCurrentTask() {
        TaskContext tc = TaskContext.get();
        if (tc == null) return OptionalInt.empty();
        SparkEnv env = SparkEnv.get();
        boolean requested = env != null && gpuRequested(env.conf().get(TASK_AMOUNT, null));
        Map<String, List<String>> assigned = toLists(tc.resourcesJMap());
        OptionalInt device =
                chooseDevice(assigned, requested, System.getenv("CUDA_VISIBLE_DEVICES"), -1);
        if (device.isEmpty()) return device;
        if (Nd4j.getEnvironment().isCPU()) {
            if (WARNED_CPU.compareAndSet(false, true)) {
                LOG.warn(
                        "Spark assigned GPU {} but the job jar holds ND4J's CPU backend: training runs on the CPU. "
                                + "Build the GPU job jar with mvn -Pcuda package.",
                        assigned.get(RESOURCE));
            }
            return OptionalInt.empty();
        }
        int count = Nd4j.getAffinityManager().getNumberOfDevices();
        int ordinal =
                chooseDevice(assigned, requested, System.getenv("CUDA_VISIBLE_DEVICES"), count)
                        .getAsInt();
        Integer current = Nd4j.getAffinityManager().getDeviceForCurrentThread();
        if (current == null || current != ordinal) {
            Nd4j.getAffinityManager().unsafeSetDevice(ordinal);
            LOG.info(
                    "task {} (partition {}) bound to CUDA device {} (Spark address {})",
                    tc.taskAttemptId(),
                    tc.partitionId(),
                    ordinal,
                    assigned.get(RESOURCE));
        }
        return OptionalInt.of(ordinal);
    }

    static Map<String, List<String>> toLists(Map<String, ResourceInformation> resources) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        if (resources != null) resources.forEach((k, v) -> m.put(k, Arrays.asList(v.addresses())));
        return m;
    }

    private static List<String> visibleList(String cudaVisibleDevices) {
        if (cudaVisibleDevices == null
                || cudaVisibleDevices.isBlank()
                || cudaVisibleDevices.trim().equalsIgnoreCase("all")) return null;
        return Arrays.stream(cudaVisibleDevices.split(",")).map(String::trim).toList();
    }

    private static String names(Map<String, List<String>> assigned) {
        return assigned == null || assigned.isEmpty() ? "nothing" : assigned.toString();
    }
}
