package org.adamix.jobs.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The learning rate is chosen on dev (never on test), diverged seeds lose, and std is the sample
 * std.
 */
class SummaryTest {

    static RunResult run(String method, long seed, double lr, double dev, Double test) {
        return new RunResult(
                new RunConfig(method, seed, lr),
                10,
                8,
                4,
                100.0,
                1,
                false,
                List.of(dev),
                Map.of("accuracy", dev),
                test == null ? null : Map.of("accuracy", test));
    }

    @Test
    void bestLrByMeanDevReportsTestThereOnly() {
        List<RunResult> runs = new ArrayList<>();
        // lr 1e-3: better dev, worse test; lr 1e-2: worse dev, much better test
        runs.add(run("lora", 1, 1e-3, 0.80, 0.70));
        runs.add(run("lora", 2, 1e-3, 0.84, 0.72));
        runs.add(run("lora", 1, 1e-2, 0.78, 0.95));
        runs.add(run("lora", 2, 1e-2, 0.79, 0.96));
        Summary s = Summary.of(List.of("lora"), m -> List.of(1e-3, 1e-2), runs, "accuracy", true);
        Summary.MethodRow r = s.methods().get(0);
        assertEquals(1e-3, r.bestLr());
        assertEquals(0.82, r.dev().mean(), 1e-12);
        assertEquals(Math.sqrt(2 * 0.02 * 0.02), r.dev().std(), 1e-12);
        assertEquals(0.71, r.test().mean(), 1e-12);
        assertEquals(2, s.lrs().size());
        String md = CompareTable.markdown(s, "t");
        assertTrue(
                md.contains("| lora | 0.001 | 0.8200 ± 0.0283 | 0.7100 ± 0.0141 | 10 | 8 | 2 |"),
                md);
    }

    @Test
    void aDivergedSeedMakesItsLrLose() {
        List<RunResult> runs = new ArrayList<>();
        runs.add(run("pfeiffer", 1, 1e-1, 0.99, 0.9));
        runs.add(
                new RunResult(
                        new RunConfig("pfeiffer", 2, 1e-1),
                        10,
                        10,
                        3,
                        100.0,
                        0,
                        true,
                        List.of(),
                        null,
                        null));
        runs.add(run("pfeiffer", 1, 1e-3, 0.70, 0.7));
        runs.add(run("pfeiffer", 2, 1e-3, 0.72, 0.7));
        Summary s =
                Summary.of(List.of("pfeiffer"), m -> List.of(1e-1, 1e-3), runs, "accuracy", true);
        assertEquals(1e-3, s.methods().get(0).bestLr());
        assertTrue(CompareTable.markdown(s, "t").contains("| pfeiffer | 0.1 | n/a ± n/a |"));
    }

    @Test
    void runResultJsonRoundTrips() throws Exception {
        RunResult r =
                new RunResult(
                        new RunConfig("adamix-lora", 3, 5e-4),
                        10,
                        8,
                        4,
                        123.5,
                        2,
                        false,
                        List.of(0.5, 0.75),
                        Map.of("accuracy", 0.75),
                        null);
        assertEquals(r, RunResult.fromJson(r.toJson().toString()));
        assertEquals("adamix-lora-lr0.0005-seed3", r.config().name());
    }
}
