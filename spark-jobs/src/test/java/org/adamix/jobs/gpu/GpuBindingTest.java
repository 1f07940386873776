package org.adamix.jobs.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

/** The device decision on fake Spark resource assignments (no Spark context, no GPU). */
class GpuBindingTest {

    private static Map<String, List<String>> gpus(String... addresses) {
        return Map.of("gpu", List.of(addresses));
    }

    @Test
    void nothingRequestedNothingAssignedMeansNoBinding() {
        assertEquals(OptionalInt.empty(), GpuBinding.chooseDevice(Map.of(), false, null, -1));
        assertEquals(OptionalInt.empty(), GpuBinding.chooseDevice(null, false, null, 2));
        assertEquals(
                OptionalInt.empty(),
                GpuBinding.chooseDevice(Map.of("fpga", List.of("0")), false, null, -1));
    }

    @Test
    void assignedAddressIsTheCudaOrdinal() {
        assertEquals(OptionalInt.of(0), GpuBinding.chooseDevice(gpus("0"), true, null, 4));
        assertEquals(OptionalInt.of(3), GpuBinding.chooseDevice(gpus("3"), true, null, 4));
        assertEquals(OptionalInt.of(1), GpuBinding.chooseDevice(gpus(" 1 "), true, "", -1));
        assertEquals(OptionalInt.of(2), GpuBinding.chooseDevice(gpus("2"), true, "all", 3));
    }

    @Test
    void severalAddressesUseTheFirst() {
        assertEquals(OptionalInt.of(2), GpuBinding.chooseDevice(gpus("2", "3"), true, null, 4));
    }

    @Test
    void assignedWithoutTaskAmountStillBinds() {
        assertEquals(OptionalInt.of(1), GpuBinding.chooseDevice(gpus("1"), false, null, 2));
    }

    @Test
    void cudaVisibleDevicesRenumbers() {
        // The executor sees physical GPUs 2 and 3 as CUDA devices 0 and 1.
        assertEquals(OptionalInt.of(0), GpuBinding.chooseDevice(gpus("2"), true, "2,3", 2));
        assertEquals(OptionalInt.of(1), GpuBinding.chooseDevice(gpus("3"), true, "2, 3", 2));
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class,
                        () -> GpuBinding.chooseDevice(gpus("0"), true, "2,3", 2));
        assertTrue(e.getMessage().contains("CUDA_VISIBLE_DEVICES=2,3"), e.getMessage());
    }

    @Test
    void requestedButNoneAssignedIsAClearError() {
        for (Map<String, List<String>> assigned :
                List.of(Map.<String, List<String>>of(), gpus(), Map.of("fpga", List.of("0")))) {
            IllegalStateException e =
                    assertThrows(
                            IllegalStateException.class,
                            () -> GpuBinding.chooseDevice(assigned, true, null, -1));
            assertTrue(e.getMessage().contains("spark.task.resource.gpu.amount"), e.getMessage());
            assertTrue(
                    e.getMessage().contains("spark.executor.resource.gpu.amount"), e.getMessage());
            assertTrue(e.getMessage().contains("getGpusResources.sh"), e.getMessage());
        }
    }

    @Test
    void addressBeyondTheDevicesOrNotAnIndexIsAnError() {
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class,
                        () -> GpuBinding.chooseDevice(gpus("2"), true, null, 2));
        assertTrue(e.getMessage().contains("sees only 2 device(s)"), e.getMessage());
        e =
                assertThrows(
                        IllegalStateException.class,
                        () -> GpuBinding.chooseDevice(gpus("GPU-5a1c"), true, null, 2));
        assertTrue(e.getMessage().contains("not a CUDA device index"), e.getMessage());
        assertThrows(
                IllegalStateException.class,
                () -> GpuBinding.chooseDevice(gpus("-1"), true, null, -1));
    }

    @Test
    void taskAmountParsing() {
        assertFalse(GpuBinding.gpuRequested(null));
        assertFalse(GpuBinding.gpuRequested(" "));
        assertFalse(GpuBinding.gpuRequested("0"));
        assertTrue(GpuBinding.gpuRequested("1"));
        assertTrue(GpuBinding.gpuRequested("0.25"));
        assertThrows(IllegalStateException.class, () -> GpuBinding.gpuRequested("one"));
    }

    @Test
    void sparkResourceInformationConverts() {
        Map<String, List<String>> m =
                GpuBinding.toLists(
                        Map.of("gpu", new ResourceInformation("gpu", new String[] {"1", "0"})));
        assertEquals(List.of("1", "0"), m.get("gpu"));
        assertEquals(OptionalInt.of(1), GpuBinding.chooseDevice(m, true, null, 2));
    }

    @Test
    void outsideASparkTaskBindingIsANoOp() {
        assertEquals(OptionalInt.empty(), GpuBinding.bindCurrentTask());
    }

    @Test
    void pluginFailsAnExecutorAskedForGpusWithoutAny() {
        GpuPlugin.check(Map.of(), null, "1");
        GpuPlugin.check(Map.of(), "0", "1");
        GpuPlugin.check(gpus("0"), "1", "1");
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class, () -> GpuPlugin.check(Map.of(), "1", "7"));
        assertTrue(
                e.getMessage().startsWith("executor 7: spark.task.resource.gpu.amount=1"),
                e.getMessage());
    }
}
