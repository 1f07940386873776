package org.adamix.jobs.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.adamix.jobs.AdaMix;
import org.adamix.jobs.gpu.GpuBinding;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * deploy/: the Airflow DAG and its argument lists (checked against the jobs' own picocli parser,
 * train with --dry-run on real local inputs), the DAG's wiring (loaded through
 * deploy/airflow/check_dag.py's stand-ins: Airflow itself is not installable here), the
 * spark-submit scripts' command lines, the recommended spark-defaults.conf, and the GPU discovery
 * script. Needs python3 and bash; a missing one fails the test.
 */
class AirflowDagTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path root;
    private static Path airflow;
    private static Path pycache;

    @TempDir Path tmp;

    @BeforeAll
    static void locate(@TempDir Path cache) {
        for (Path q = Path.of("").toAbsolutePath(); q != null; q = q.getParent())
            if (Files.isDirectory(q.resolve("deploy/airflow"))
                    && Files.isDirectory(q.resolve("spark-jobs"))) root = q;
        if (root == null)
            fail(
                    "repository root with deploy/airflow not found above "
                            + Path.of("").toAbsolutePath());
        airflow = root.resolve("deploy/airflow");
        pycache = cache; // keeps __pycache__ out of the work tree
    }

    record Proc(int code, String out, String err) {}

    private static Proc exec(List<String> cmd, Map<String, String> env)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile());
        pb.environment().put("PYTHONPYCACHEPREFIX", pycache.toString());
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        for (String k :
                List.of(
                        "ADAMIX_MASTER",
                        "ADAMIX_JAR",
                        "ADAMIX_OUTPUT",
                        "ADAMIX_EXECUTORS",
                        "ADAMIX_EXECUTOR_CORES",
                        "ADAMIX_EXECUTOR_MEMORY",
                        "ADAMIX_ND4J_OFFHEAP",
                        "ADAMIX_GPUS_PER_EXECUTOR",
                        "SPARK_SUBMIT",
                        "SPARK_HOME",
                        "CUDA_VISIBLE_DEVICES",
                        "ADAMIX_DEFAULTS",
                        "ADAMIX_DEPLOY_MODE")) pb.environment().remove(k);
        pb.environment().putAll(env);
        Path out = Files.createTempFile(pycache, "out", ".txt"),
                err = Files.createTempFile(pycache, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new AssertionError(
                    "cannot run "
                            + cmd.get(0)
                            + " (python3 and bash are needed by this test): "
                            + e.getMessage(),
                    e);
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("timed out: " + cmd);
        }
        return new Proc(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static Proc ok(List<String> cmd, Map<String, String> env)
            throws IOException, InterruptedException {
        Proc r = exec(cmd, env);
        assertEquals(0, r.code, () -> String.join(" ", cmd) + " failed:\n" + r.err + r.out);
        return r;
    }

    private static JsonNode plan(String paramsJson) throws Exception {
        return JSON.readTree(
                ok(
                                List.of(
                                        "python3",
                                        "deploy/airflow/adamix_args.py",
                                        "--params",
                                        paramsJson,
                                        "--run-id",
                                        "manual__2024-05-01T10:00:00+00:00"),
                                Map.of())
                        .out);
    }

    private static String[] strings(JsonNode array) {
        String[] s = new String[array.size()];
        for (int i = 0; i < s.length; i++) s[i] = array.get(i).asText();
        return s;
    }

    /**
     * Parses with the job jar's own command line: unknown or misspelled options, missing required
     * ones fail.
     */
    private static void parses(String... args) {
        try {
            List<CommandLine> parsed = AdaMix.commandLine().parseArgs(args).asCommandLineList();
            assertEquals(
                    args[0],
                    parsed.get(parsed.size() - 1).getCommandName(),
                    "subcommand of " + Arrays.toString(args));
        } catch (CommandLine.ParameterException e) {
            fail("the jobs' parser rejects " + Arrays.toString(args) + ": " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- Airflow

    @Test
    void pythonFilesCompile() throws Exception {
        for (String f : List.of("adamix_dag.py", "adamix_args.py", "check_dag.py"))
            ok(List.of("python3", "-m", "py_compile", "deploy/airflow/" + f), Map.of());
    }

    @Test
    void defaultArgumentListsAreAcceptedByTheJobs() throws Exception {
        JsonNode p = plan("{}");
        String out = p.get("output").asText();
        assertEquals(
                "hdfs:///user/airflow/adamix/runs/manual__2024-05-01T10_00_00_00_00",
                out,
                "run id made HDFS-safe");
        assertEquals(out + "/_SUCCESS", p.get("success_marker").asText());
        for (String step : List.of("train", "merge", "evaluate")) {
            String[] args = strings(p.get(step));
            assertEquals(step, args[0]);
            assertTrue(
                    List.of(args).contains(out),
                    step + " gets the run's output " + out + ": " + List.of(args));
            parses(args);
        }
        List<String> train = List.of(strings(p.get("train")));
        assertTrue(train.contains("--resume"), "train resumes on Airflow retries");
        assertEquals("4", train.get(train.indexOf("--experts") + 1));
        assertEquals(
                out + "/eval.json",
                List.of(strings(p.get("evaluate")))
                        .get(List.of(strings(p.get("evaluate"))).indexOf("--output") + 1));
        assertEquals("org.adamix.jobs.AdaMix", p.get("main_class").asText());
    }

    @Test
    void parserCheckBites() {
        assertThrows(
                CommandLine.ParameterException.class,
                () ->
                        AdaMix.commandLine()
                                .parseArgs(
                                        "train",
                                        "--backbone",
                                        "b",
                                        "--train",
                                        "t",
                                        "--output",
                                        "o",
                                        "--expert",
                                        "4"),
                "misspelled option");
        assertThrows(
                CommandLine.ParameterException.class,
                () -> AdaMix.commandLine().parseArgs("merge", "--backbone", "b"),
                "missing --model");
    }

    @Test
    void argumentListsFollowTheParams() throws Exception {
        JsonNode p =
                plan(
                        "{\"method\": \"lora\", \"train_data\": [\"hdfs:///a.jsonl\", \"hdfs:///b.jsonl\"], \"dev_data\": \"\","
                                + " \"eval_data\": \"hdfs:///e.jsonl\", \"extra_train_args\": [\"--lr\", \"1e-3\", \"--rank\", \"8\"], \"format\": \"tsv\","
                                + " \"output_root\": \"hdfs://nn:8020/runs/\"}");
        List<String> train = List.of(strings(p.get("train")));
        assertFalse(train.contains("--experts"), "no experts for a non-AdaMix method: " + train);
        assertFalse(train.contains("--dev"), train.toString());
        assertEquals("hdfs:///a.jsonl,hdfs:///b.jsonl", train.get(train.indexOf("--train") + 1));
        assertEquals("tsv", train.get(train.indexOf("--format") + 1));
        assertTrue(String.join(" ", train).contains("--lr 1e-3 --rank 8"), train.toString());
        assertTrue(
                p.get("output").asText().startsWith("hdfs://nn:8020/runs/manual__"),
                p.get("output").asText());
        for (String step : List.of("train", "merge", "evaluate")) parses(strings(p.get(step)));
        assertTrue(List.of(strings(p.get("evaluate"))).contains("hdfs:///e.jsonl"));
        // Nothing to evaluate on: a clear error, not an empty --data.
        Proc r =
                exec(
                        List.of(
                                "python3",
                                "deploy/airflow/adamix_args.py",
                                "--params",
                                "{\"dev_data\": \"\", \"eval_data\": \"\"}"),
                        Map.of());
        assertEquals(2, r.code);
        assertTrue(r.err.contains("nothing to evaluate on"), r.err);
        r =
                exec(
                        List.of(
                                "python3",
                                "deploy/airflow/adamix_args.py",
                                "--params",
                                "{\"experts \": 2}"),
                        Map.of());
        assertEquals(2, r.code, "misspelled param");
        assertTrue(r.err.contains("unknown AdaMix DAG param"), r.err);
    }

    @Test
    void trainArgumentsDryRunOnLocalInputs() throws Exception {
        Path minilm = root.resolve("data/minilm");
        Path imdb = root.resolve("data/imdb/train.jsonl");
        if (!Files.isRegularFile(minilm.resolve("model.onnx")) || !Files.isRegularFile(imdb))
            fail(
                    "data/minilm and data/imdb are needed (bin/fetch-minilm, bin/fetch-imdb; the test build runs them)");
        // A tiny JSON Lines file with both labels.
        List<String> lines = new ArrayList<>();
        Map<String, Integer> perLabel = new LinkedHashMap<>();
        try (var r = Files.newBufferedReader(imdb)) {
            for (String l; lines.size() < 8 && (l = r.readLine()) != null; ) {
                String label = JSON.readTree(l).get("label").asText();
                if (perLabel.merge(label, 1, Integer::sum) <= 4) lines.add(l);
            }
        }
        Path data = tmp.resolve("tiny.jsonl");
        Files.write(data, lines);
        Path runs = tmp.resolve("runs");
        ObjectNode params = JSON.createObjectNode();
        params.put("backbone", minilm.toString());
        params.put("train_data", data.toString());
        params.put("dev_data", data.toString());
        params.put("eval_data", data.toString());
        params.put("epochs", 1);
        params.put("output_root", runs.toString());
        JsonNode p = plan(JSON.writeValueAsString(params));
        List<String> args = new ArrayList<>(List.of(strings(p.get("train"))));
        args.add("--dry-run");
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out, oldErr = System.err;
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = AdaMix.commandLine().execute(args.toArray(String[]::new));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        String o = out.toString(StandardCharsets.UTF_8), e = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, () -> "train --dry-run with the DAG's arguments failed:\n" + e + o);
        assertTrue(o.contains("dry run"), o);
        Path run = Path.of(p.get("output").asText());
        assertFalse(
                Files.exists(run.resolve("_SUCCESS")) || Files.exists(run.resolve("checkpoints")),
                "a dry run writes nothing");
        for (String step : List.of("merge", "evaluate")) parses(strings(p.get(step)));
    }

    @Test
    void dagWiringThroughStandIns() throws Exception {
        JsonNode d =
                JSON.readTree(
                        ok(
                                        List.of(
                                                "python3",
                                                "deploy/airflow/check_dag.py",
                                                "--params",
                                                "{\"spark_conn_id\": \"spark_yarn\", \"output_root\": \"hdfs:///runs\"}",
                                                "--variable",
                                                "{\"experts\": 8, \"jar\": \"hdfs:///apps/x-job.jar\"}",
                                                "--run-id",
                                                "scheduled__2024-05-01T00:00:00+00:00"),
                                        Map.of())
                                .out);
        assertEquals(
                "[\"plan\",\"train\",\"train_done\",\"merge\",\"merged_done\",\"evaluate\",\"eval_done\"]",
                d.get("tasks").toString());
        assertEquals(
                "[[\"plan\",\"train\"],[\"train\",\"train_done\"],[\"train_done\",\"merge\"],[\"merge\",\"merged_done\"],"
                        + "[\"merged_done\",\"evaluate\"],[\"evaluate\",\"eval_done\"]]",
                d.get("edges").toString());
        assertTrue(d.get("native").asBoolean(), "argument lists travel as lists");
        String out = "hdfs:///runs/scheduled__2024-05-01T00_00_00_00_00";
        assertEquals(out, d.at("/plan/output").asText());
        assertEquals(
                8,
                d.at("/params/experts").asInt(),
                "Variable adamix_defaults overrides the built-in default");
        for (String step : List.of("train", "merge", "evaluate")) {
            JsonNode s = d.at("/submit/" + step);
            assertEquals("spark_yarn", s.get("conn_id").asText(), "connection from the params");
            assertEquals("hdfs:///apps/x-job.jar", s.get("application").asText());
            assertEquals("org.adamix.jobs.AdaMix", s.get("java_class").asText());
            // the plan's arguments, then this attempt's id, which the task returns as its XCom
            List<String> expected = new ArrayList<>(List.of(strings(d.at("/plan/" + step))));
            expected.addAll(List.of("--run-id", s.get("xcom").asText()));
            assertEquals(expected, List.of(strings(s.get("application_args"))));
            assertTrue(
                    s.get("xcom")
                            .asText()
                            .matches("scheduled__2024-05-01T00:00:00\\+00:00#1-[0-9a-f]{8}"),
                    s.get("xcom").asText());
            assertEquals("4", s.at("/conf/spark.task.cpus").asText());
            parses(strings(s.get("application_args")));
        }
        List<String> train = List.of(strings(d.at("/submit/train/application_args")));
        assertEquals("8", train.get(train.indexOf("--experts") + 1), "experts from the Variable");
        // Sensors: a python callable (no shell) waiting for the marker file that holds the
        // attempt's id.
        for (String[] sensor :
                new String[][] {
                    {"train_done", "train", "/summary.json"},
                    {"merged_done", "merge", "/merge.json"},
                    {"eval_done", "evaluate", "/eval.json"}
                }) {
            JsonNode s = d.at("/sensors/" + sensor[0]);
            assertEquals("PythonSensor", s.get("type").asText());
            assertEquals("adamix_args.marker_written", s.get("callable").asText());
            assertEquals(out + sensor[2], s.at("/op_kwargs/uri").asText());
            assertEquals(
                    d.at("/submit/" + sensor[1] + "/xcom").asText(),
                    s.at("/op_kwargs/run_id").asText(),
                    sensor[0]);
        }
        assertEquals(
                "[\"" + out + "/_SUCCESS\"]",
                d.at("/sensors/train_done/op_kwargs/require").toString());
        assertEquals("reschedule", d.at("/sensors/train_done/mode").asText());
    }

    private static String lastLine(String out) {
        List<String> lines = out.strip().lines().toList();
        return lines.get(lines.size() - 1); // the callable logs why it waits before the result
    }

    /**
     * The sensors' callable, with a stand-in hdfs client over local files: true only for the
     * attempt's own marker (not a stale one, not without _SUCCESS); paths reach the client as
     * arguments, never through a shell, so a hostile output_root runs nothing; an output_root that
     * reads as an option is refused.
     */
    @Test
    void sensorCallableChecksTheAttemptAndRunsNoShell() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path hdfs = bin.resolve("hdfs");
        Files.writeString(
                hdfs,
                "#!/usr/bin/env bash\n[ \"$1\" = dfs ] || exit 9\n"
                        + "case \"$2\" in -test) [ \"$3\" = -e ] && [ -e \"$4\" ];; -cat) cat -- \"$3\";; *) exit 9;; esac\n");
        assertTrue(hdfs.toFile().setExecutable(true));
        Path run = Files.createDirectories(tmp.resolve("runs/r1"));
        Path hostile =
                Files.createDirectories(
                        tmp.resolve(
                                "runs/x\"; touch "
                                        + tmp.resolve("pwned1")
                                        + "; echo \"$(touch "
                                        + tmp.resolve("pwned2")
                                        + ")"));
        Files.writeString(
                run.resolve("summary.json"), "{\"run_id\": \"r1#2-abcd\", \"rounds\": 3}");
        Files.writeString(hostile.resolve("summary.json"), "{\"run_id\": \"r1#2-abcd\"}");
        String py =
                String.join(
                        "\n",
                        "import json, sys",
                        "sys.path.insert(0, 'deploy/airflow')",
                        "import adamix_args as a",
                        "run, hostile = sys.argv[1], sys.argv[2]",
                        "print(json.dumps([",
                        "  a.marker_written(run + '/summary.json', 'r1#2-abcd', [run + '/_SUCCESS']),",
                        "  a.marker_written(run + '/summary.json', 'r1#2-abcd', []),",
                        "  a.marker_written(run + '/summary.json', 'r1#3-ef01', []),",
                        "  a.marker_written(run + '/summary.json', None, []),",
                        "  a.marker_written(run + '/eval.json', 'r1#2-abcd', []),",
                        "  a.marker_written(hostile + '/summary.json', 'r1#2-abcd', [hostile + '/_SUCCESS']),",
                        "  a.marker_written(hostile + '/summary.json', 'r1#2-abcd', []),",
                        "]))");
        Map<String, String> env = Map.of("PATH", bin + ":" + System.getenv("PATH"));
        assertEquals(
                "[false, true, false, false, false, false, true]",
                lastLine(
                        ok(List.of("python3", "-c", py, run.toString(), hostile.toString()), env)
                                .out),
                "no _SUCCESS yet; this attempt; another attempt's file; no attempt; no file; hostile path without, with its marker");
        Files.writeString(run.resolve("_SUCCESS"), "");
        assertEquals(
                "[true, true, false, false, false, false, true]",
                lastLine(
                        ok(List.of("python3", "-c", py, run.toString(), hostile.toString()), env)
                                .out));
        assertFalse(
                Files.exists(tmp.resolve("pwned1")) || Files.exists(tmp.resolve("pwned2")),
                "a path ran a command");

        Proc r =
                exec(
                        List.of(
                                "python3",
                                "deploy/airflow/adamix_args.py",
                                "--params",
                                "{\"output_root\": \"-rm -r /\"}"),
                        Map.of());
        assertEquals(2, r.code, r.out);
        assertTrue(r.err.contains("is not a path"), r.err);
    }

    // ---------------------------------------------------------------- spark-submit scripts

    /**
     * {@code --conf k=v} pairs of a --print output (one option per line, values shell-quoted when
     * needed).
     */
    private static Map<String, String> confs(String printed) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : printed.split("\n")) {
            String l = line.strip();
            if (l.endsWith("\\")) l = l.substring(0, l.length() - 1).strip();
            if (!l.startsWith("--conf ")) continue;
            String kv = l.substring(7);
            if (kv.startsWith("'") && kv.endsWith("'")) kv = kv.substring(1, kv.length() - 1);
            m.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        return m;
    }

    private static String print(String script, Map<String, String> env, String... args)
            throws Exception {
        List<String> cmd =
                new ArrayList<>(List.of("bash", "deploy/spark-submit/" + script, "--print"));
        cmd.addAll(List.of(args));
        return ok(cmd, env).out;
    }

    private static final String[] JOB = {
        "train", "--backbone", "hdfs:///models/minilm", "--train", "hdfs:///data/t.jsonl"
    };

    private static String[] withJob(String... opts) {
        List<String> l = new ArrayList<>(List.of(opts));
        l.addAll(List.of(JOB));
        return l.toArray(String[]::new);
    }

    private static void commonFlags(String printed, Map<String, String> c) {
        assertTrue(printed.contains("--class org.adamix.jobs.AdaMix"), printed);
        assertTrue(
                printed.strip()
                        .endsWith(
                                "train --backbone hdfs:///models/minilm --train hdfs:///data/t.jsonl --output hdfs:///runs/r1"),
                "job args passed through, --output appended:\n" + printed);
        assertEquals("org.apache.spark.serializer.JavaSerializer", c.get("spark.serializer"));
        assertEquals("false", c.get("spark.dynamicAllocation.enabled"));
        assertEquals("4", c.get("spark.task.maxFailures"));
        assertTrue(
                c.get("spark.driver.extraJavaOptions")
                        .contains("--add-opens=java.base/java.lang=ALL-UNNAMED"));
        assertTrue(
                c.get("spark.driver.extraJavaOptions")
                        .contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"));
        assertTrue(
                c.get("spark.driver.extraJavaOptions")
                        .contains("-Dorg.bytedeco.javacpp.maxbytes=4096m"));
        assertTrue(
                c.get("spark.driver.extraJavaOptions")
                        .contains("--add-modules=jdk.incubator.vector"),
                "vector kernels on the driver");
    }

    private static void executorFlags(
            Map<String, String> c, String cores, String overhead, String maxbytes, String maxphys) {
        assertEquals(cores, c.get("spark.executor.cores"));
        assertEquals(cores, c.get("spark.task.cpus"), "one task per executor");
        assertEquals(
                cores, c.get("spark.executorEnv.OMP_NUM_THREADS"), "ND4J threads = executor cores");
        assertEquals(overhead, c.get("spark.executor.memoryOverhead"));
        String opts = c.get("spark.executor.extraJavaOptions");
        assertTrue(opts.contains("-Dorg.bytedeco.javacpp.maxbytes=" + maxbytes), opts);
        assertTrue(opts.contains("-Dorg.bytedeco.javacpp.maxphysicalbytes=" + maxphys), opts);
        assertTrue(
                opts.contains("--add-opens=java.base/java.nio=ALL-UNNAMED")
                        && opts.contains("-Djdk.reflect.useDirectMethodHandle=false"),
                opts);
        assertTrue(
                opts.contains("--add-modules=jdk.incubator.vector"),
                "vector kernels on executors: " + opts);
        assertEquals(
                "Haswell",
                c.get("spark.executorEnv.OPENBLAS_CORETYPE"),
                "AVX2 OpenBLAS kernels by default on a cluster");
        assertEquals(
                "4",
                c.get("spark.executorEnv.OPENBLAS_THREAD_TIMEOUT"),
                "OpenBLAS threads do not spin between GEMMs");
        assertEquals(
                "PASSIVE",
                c.get("spark.executorEnv.OMP_WAIT_POLICY"),
                "ND4J's OpenMP threads do not spin between ops");
    }

    @Test
    void yarnScript() throws Exception {
        String p =
                print(
                        "submit-yarn.sh",
                        Map.of(),
                        withJob("--output", "hdfs:///runs/r1", "--queue", "ml"));
        Map<String, String> c = confs(p);
        commonFlags(p, c);
        assertTrue(
                p.contains("--master yarn")
                        && p.contains("--deploy-mode cluster")
                        && p.contains("--queue ml"),
                p);
        assertTrue(
                p.contains("hdfs:///apps/adamix/adamix-spark-jobs-0.1.0-SNAPSHOT-job.jar train"),
                "job jar on HDFS:\n" + p);
        executorFlags(c, "4", "4096m", "3072m", "5632m");
        assertEquals("1", c.get("spark.yarn.maxAppAttempts"));
        assertEquals("2", c.get("spark.yarn.appMasterEnv.OMP_NUM_THREADS"));
        assertEquals(
                "Haswell",
                c.get("spark.yarn.appMasterEnv.OPENBLAS_CORETYPE"),
                "the driver's OpenBLAS too");
        assertEquals("4", c.get("spark.yarn.appMasterEnv.OPENBLAS_THREAD_TIMEOUT"));
        assertEquals("PASSIVE", c.get("spark.yarn.appMasterEnv.OMP_WAIT_POLICY"));
        assertEquals(
                "SkylakeX",
                confs(
                                print(
                                        "submit-yarn.sh",
                                        Map.of("ADAMIX_OUTPUT", "hdfs:///runs/r1"),
                                        withJob("--blas-core", "SkylakeX")))
                        .get("spark.executorEnv.OPENBLAS_CORETYPE"));
        assertEquals("2", c.get("spark.default.parallelism"), "one training worker per executor");
        assertEquals("true", c.get("spark.yarn.submit.waitAppCompletion"));
        assertFalse(c.containsKey("spark.plugins"), "no GPU settings on CPU");
        assertTrue(
                print("submit-yarn.sh", Map.of(), "merge", "--model", "m", "--backbone", "b")
                        .contains("--deploy-mode cluster"),
                "merge opens a SparkContext: cluster mode on YARN like the other jobs");

        // Sizing follows the environment: N = max(1g, H/10).
        p =
                print(
                        "submit-yarn.sh",
                        Map.of(
                                "ADAMIX_EXECUTOR_CORES",
                                "8",
                                "ADAMIX_EXECUTOR_MEMORY",
                                "20g",
                                "ADAMIX_EXECUTORS",
                                "5",
                                "ADAMIX_OUTPUT",
                                "hdfs:///runs/r1",
                                "ADAMIX_JAR",
                                "hdfs:///apps/j.jar"),
                        JOB);
        c = confs(p);
        executorFlags(c, "8", "5120m", "3072m", "24576m");
        assertEquals("5", c.get("spark.executor.instances"));
        assertTrue(p.contains("hdfs:///apps/j.jar train"), p);

        // GPUs: resource scheduling, the discovery script shipped to the containers, the binding
        // plugin.
        p =
                print(
                        "submit-yarn.sh",
                        Map.of("ADAMIX_OUTPUT", "hdfs:///runs/r1"),
                        withJob("--gpus", "1"));
        c = confs(p);
        assertEquals("1", c.get("spark.executor.resource.gpu.amount"));
        assertEquals("1", c.get("spark.task.resource.gpu.amount"));
        assertEquals("./getGpusResources.sh", c.get("spark.executor.resource.gpu.discoveryScript"));
        assertEquals("org.adamix.jobs.gpu.GpuPlugin", c.get("spark.plugins"));
        assertTrue(p.contains("--files " + root.resolve("deploy/gpu/getGpusResources.sh")), p);
    }

    @Test
    void localStandaloneAndKubernetesScripts() throws Exception {
        String p =
                print(
                        "submit-local.sh",
                        Map.of(),
                        withJob("--output", "hdfs:///runs/r1", "--executors", "2"));
        Map<String, String> c = confs(p);
        commonFlags(p, c);
        assertTrue(
                p.startsWith("OMP_NUM_THREADS="), "local workers share the machine's cores:\n" + p);
        // local runs name the OpenBLAS kernels bin/blas-core detects here (none on a CPU it cannot
        // tell)
        String env = System.getenv("OPENBLAS_CORETYPE");
        String core =
                env != null && !env.isEmpty()
                        ? env
                        : ok(List.of(root.resolve("bin/blas-core").toString()), Map.of())
                                .out()
                                .strip();
        assertTrue(List.of("", "SkylakeX", "Haswell", "Sandybridge").contains(core), core);
        if (!core.isEmpty()) assertTrue(p.contains(" OPENBLAS_CORETYPE=" + core + " "), p);
        assertTrue(
                p.contains(" OPENBLAS_THREAD_TIMEOUT=4 ")
                        || p.contains(
                                " OPENBLAS_THREAD_TIMEOUT="
                                        + System.getenv("OPENBLAS_THREAD_TIMEOUT")
                                        + " "),
                p);
        assertTrue(
                p.contains(" OMP_WAIT_POLICY=PASSIVE ")
                        || p.contains(" OMP_WAIT_POLICY=" + System.getenv("OMP_WAIT_POLICY") + " "),
                p);
        assertFalse(
                c.containsKey("spark.executorEnv.OPENBLAS_CORETYPE"),
                "no executors of their own in local mode");
        assertTrue(p.contains("--master 'local[2]'"), p);
        assertFalse(c.containsKey("spark.task.cpus"), "threads of one JVM: no executor sizing");
        assertEquals("2", c.get("spark.default.parallelism"));
        assertTrue(
                p.contains(
                        root.resolve("spark-jobs/target/adamix-spark-jobs-0.1.0-SNAPSHOT-job.jar")
                                + " train"),
                p);

        p =
                print(
                        "submit-standalone.sh",
                        Map.of(),
                        withJob(
                                "--output",
                                "hdfs:///runs/r1",
                                "--master",
                                "spark://m:7077",
                                "--executors",
                                "3"));
        c = confs(p);
        commonFlags(p, c);
        executorFlags(c, "4", "4096m", "3072m", "5632m");
        assertTrue(p.contains("--master spark://m:7077") && p.contains("--deploy-mode client"), p);
        assertEquals("12", c.get("spark.cores.max"), "3 executors of 4 cores");

        p =
                print(
                        "submit-k8s.sh",
                        Map.of("ADAMIX_K8S_IMAGE", "example/adamix:0.1"),
                        withJob(
                                "--output",
                                "hdfs:///runs/r1",
                                "--master",
                                "k8s://https://api:443",
                                "--gpus",
                                "1"));
        c = confs(p);
        commonFlags(p, c);
        executorFlags(c, "4", "4096m", "3072m", "5632m");
        assertTrue(
                p.contains("--master k8s://https://api:443") && p.contains("--deploy-mode cluster"),
                p);
        assertTrue(p.contains("local:///opt/adamix/adamix-spark-jobs-job.jar train"), p);
        assertEquals("example/adamix:0.1", c.get("spark.kubernetes.container.image"));
        assertEquals("2", c.get("spark.kubernetes.driverEnv.OMP_NUM_THREADS"));
        assertEquals("nvidia.com", c.get("spark.executor.resource.gpu.vendor"));
        assertEquals(
                "/opt/adamix/getGpusResources.sh",
                c.get("spark.executor.resource.gpu.discoveryScript"));

        // Required settings missing, bad values: exit 2 with a message, nothing submitted.
        for (List<String> bad :
                List.of(
                        List.of("submit-k8s.sh", "train"),
                        List.of("submit-standalone.sh", "train"),
                        List.of("submit-yarn.sh", "--gpus", "2", "train"),
                        List.of("submit-yarn.sh"),
                        List.of("submit-local.sh", "--typo", "train"),
                        List.of("submit-yarn.sh", "--executor-memory", "lots", "train"))) {
            List<String> cmd =
                    new ArrayList<>(
                            List.of("bash", "deploy/spark-submit/" + bad.get(0), "--print"));
            cmd.addAll(bad.subList(1, bad.size()));
            Proc r = exec(cmd, Map.of());
            assertEquals(2, r.code, bad + ": " + r.out + r.err);
            assertFalse(r.err.isBlank(), bad.toString());
        }
    }

    @Test
    void scriptsRunSparkSubmitWithTheJobArgumentsIntact() throws Exception {
        // A stand-in spark-submit that prints its argv one per line: the exec path, with quoting,
        // end to end.
        Path fake = tmp.resolve("spark-submit");
        Files.writeString(
                fake,
                "#!/usr/bin/env bash\necho \"OMP=${OMP_NUM_THREADS:-unset}\"\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n");
        assertTrue(fake.toFile().setExecutable(true));
        Proc r =
                ok(
                        List.of(
                                "bash",
                                "deploy/spark-submit/submit-local.sh",
                                "--executors",
                                "1",
                                "train",
                                "--backbone",
                                "data/minilm",
                                "--train",
                                "my data.jsonl",
                                "--method",
                                "adamix-lora",
                                "--output",
                                "/tmp/run 1"),
                        Map.of("SPARK_SUBMIT", fake.toString()));
        List<String> argv = List.of(r.out.split("\n"));
        assertTrue(argv.get(0).startsWith("OMP=") && !argv.get(0).equals("OMP=unset"), argv.get(0));
        int t = argv.indexOf("train");
        String[] job = argv.subList(t, argv.size()).toArray(String[]::new);
        assertEquals(
                List.of(
                        "train",
                        "--backbone",
                        "data/minilm",
                        "--train",
                        "my data.jsonl",
                        "--method",
                        "adamix-lora",
                        "--output",
                        "/tmp/run 1"),
                List.of(job));
        parses(job);
        assertTrue(
                argv.get(t - 1).endsWith("adamix-spark-jobs-0.1.0-SNAPSHOT-job.jar"),
                argv.get(t - 1));
        assertTrue(
                argv.contains(
                        "spark.driver.extraJavaOptions="
                                + confs(print("submit-local.sh", Map.of(), JOB))
                                        .get("spark.driver.extraJavaOptions")),
                "a value with spaces arrives as one argument");
    }

    @Test
    void recommendedDefaultsFileMatchesTheSizingRules() throws Exception {
        Map<String, String> file = new LinkedHashMap<>();
        for (String line :
                Files.readAllLines(root.resolve("deploy/spark-submit/spark-defaults.conf"))) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            String[] kv = l.split("\\s+", 2);
            file.put(kv[0], kv[1]);
        }
        // The scripts recompute the sized entries; with default sizes they must equal the file's
        // values.
        Map<String, String> yarn =
                confs(print("submit-yarn.sh", Map.of(), withJob("--output", "hdfs:///runs/r1")));
        for (Map.Entry<String, String> e : file.entrySet()) {
            String v = yarn.get(e.getKey());
            assertTrue(v != null, "script drops " + e.getKey());
            assertEquals(normalise(e.getValue()), normalise(v), e.getKey());
        }
        // The Airflow DAG's settings (adamix_args.spark_conf) agree with the scripts' on every
        // shared key.
        JsonNode conf = plan("{}").get("conf");
        int shared = 0;
        for (var it = conf.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!yarn.containsKey(e.getKey())) continue;
            shared++;
            assertEquals(
                    yarn.get(e.getKey()),
                    e.getValue().asText(),
                    "DAG vs submit-yarn.sh: " + e.getKey());
        }
        assertTrue(shared >= 15, "shared keys: " + shared);
        assertNotEquals(null, conf.get("spark.kubernetes.driverEnv.OMP_NUM_THREADS"));
    }

    /** "4g" and "4096m" are the same size. */
    private static String normalise(String v) {
        return v.matches("\\d+g")
                ? (Long.parseLong(v.substring(0, v.length() - 1)) * 1024) + "m"
                : v;
    }

    // ---------------------------------------------------------------- GPU discovery

    @Test
    void gpuDiscoveryScriptPrintsSparkResourceJson() throws Exception {
        Path smi = tmp.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/sh\nprintf '0\\n1\\n2\\n3\\n'\n");
        assertTrue(smi.toFile().setExecutable(true));
        String script = "deploy/gpu/getGpusResources.sh";
        ResourceInformation all =
                ResourceInformation.parseJson(
                        ok(List.of("bash", script), Map.of("NVIDIA_SMI", smi.toString()))
                                .out
                                .strip());
        assertEquals("gpu", all.name());
        assertEquals(List.of("0", "1", "2", "3"), List.of(all.addresses()));

        ResourceInformation some =
                ResourceInformation.parseJson(
                        ok(
                                        List.of("bash", script),
                                        Map.of(
                                                "NVIDIA_SMI",
                                                smi.toString(),
                                                "CUDA_VISIBLE_DEVICES",
                                                "3,1"))
                                .out
                                .strip());
        assertEquals(List.of("1", "3"), List.of(some.addresses()));
        // What a task given address "3" on that executor binds to: CUDA numbers visible devices 3,1
        // as 0,1.
        assertEquals(
                OptionalInt.of(0),
                GpuBinding.chooseDevice(Map.of("gpu", List.of("3")), true, "3,1", 2));

        Proc none =
                exec(
                        List.of("bash", script),
                        Map.of("NVIDIA_SMI", tmp.resolve("absent-nvidia-smi").toString()));
        assertEquals(1, none.code);
        assertTrue(none.err.contains("not found"), none.err);
    }
}
