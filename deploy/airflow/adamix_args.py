"""Argument lists and Spark settings of the AdaMix Airflow DAG (adamix_dag.py), in plain Python.

No Airflow import: the DAG imports this module, and so can a test or a shell. Run it to see what a run
would submit:

    python3 deploy/airflow/adamix_args.py                       # default params, run id "manual__example"
    python3 deploy/airflow/adamix_args.py --params '{"backbone": "data/minilm"}' --run-id r1

prints the plan (output URI, the train/merge/evaluate argument lists, spark-submit settings) as JSON.

The Spark settings follow deploy/spark-submit/spark-defaults.conf and its sizing rules (one task per
executor, OMP_NUM_THREADS = executor cores, ND4J off-heap accounted in memoryOverhead).
"""

import argparse
import json
import re
import subprocess
import sys
import uuid

# Every DAG param, with the default used when the Airflow Variable "adamix_defaults" (a JSON object)
# does not override it. Lists are comma-joined for the job (its --train/--dev/--data take commas).
DEFAULTS = {
    "backbone": "hdfs:///models/minilm",
    "train_data": "hdfs:///data/imdb/train.jsonl",
    "dev_data": "hdfs:///data/imdb/dev.jsonl",
    "eval_data": "hdfs:///data/imdb/test.jsonl",
    "format": "jsonl",
    "text_column": "text",
    "label_column": "label",
    "method": "adamix-adapter",
    "experts": 4,
    "epochs": 3,
    "batch_size": 16,
    "extra_train_args": [],
    "output_root": "hdfs:///user/airflow/adamix/runs",
    "spark_conn_id": "spark_default",
    "jar": "hdfs:///apps/adamix/adamix-spark-jobs-0.1.0-SNAPSHOT-job.jar",
    "executors": 2,
    "executor_cores": 4,
    "executor_memory": "2g",
    "nd4j_offheap": "3g",
    "driver_cores": 2,
    "driver_memory": "4g",
    "driver_offheap": "4g",
    "gpus_per_executor": 0,
    "gpu_discovery_script": "/opt/adamix/getGpusResources.sh",
    # OpenBLAS kernels (OPENBLAS_CORETYPE): Haswell runs on any AVX2 CPU, SkylakeX is 2x faster on
    # AVX-512 fleets, "" leaves it to OpenBLAS 0.3.19 (which picks SSE3 kernels on CPUs newer than it).
    "blas_core": "Haswell",
}

MAIN_CLASS = "org.adamix.jobs.AdaMix"
SUCCESS = "_SUCCESS"
SUMMARY = "summary.json"
EVAL_FILE = "eval.json"
MERGED_DIR = "merged"
MERGE_MARKER = "merge.json"

_OPENS = ["java.lang", "java.lang.invoke", "java.lang.reflect", "java.io", "java.net", "java.nio", "java.util",
          "java.util.concurrent", "java.util.concurrent.atomic", "jdk.internal.ref", "sun.nio.ch", "sun.nio.cs",
          "sun.security.action", "sun.util.calendar"]
JAVA17_OPTS = " ".join(["-XX:+IgnoreUnrecognizedVMOptions", "--add-modules=jdk.incubator.vector"]
                       + ["--add-opens=java.base/%s=ALL-UNNAMED" % p for p in _OPENS]
                       + ["-Djdk.reflect.useDirectMethodHandle=false"])


def merged_params(overrides=None):
    """DEFAULTS updated with overrides (unknown keys are an error: a misspelled param must not pass)."""
    p = dict(DEFAULTS)
    for k, v in (overrides or {}).items():
        if k not in DEFAULTS:
            raise ValueError("unknown AdaMix DAG param %r (known: %s)" % (k, ", ".join(sorted(DEFAULTS))))
        p[k] = v
    return p


def hdfs_safe(run_id):
    """A run id as one HDFS path component: Airflow's run ids hold ':' and '+', which Hadoop paths reject."""
    s = re.sub(r"[^A-Za-z0-9._-]", "_", str(run_id)).strip("._")
    if not s:
        raise ValueError("run id %r leaves no usable characters" % (run_id,))
    return s


def run_output(output_root, run_id):
    """The run's output folder: <output_root>/<run id made path-safe>."""
    root = str(output_root).rstrip("/")
    if not root:
        raise ValueError("output_root is empty")
    if root.startswith("-") or any(c in root for c in "\n\r\0"):
        # it becomes an argument of the hdfs client and of the jobs: it must not read as an option
        raise ValueError("output_root %r is not a path" % (output_root,))
    return root + "/" + hdfs_safe(run_id)


def _csv(v):
    if v is None:
        return ""
    if isinstance(v, (list, tuple)):
        return ",".join(str(x).strip() for x in v if str(x).strip())
    return str(v).strip()


def _data_options(p):
    return ["--format", str(p["format"]), "--text-column", str(p["text_column"]), "--label-column", str(p["label_column"])]


def train_args(p, output):
    """adamix train: --resume makes an Airflow retry continue from the run's last checkpoint (a new or
    empty output starts fresh)."""
    if not _csv(p["train_data"]):
        raise ValueError("train_data is empty")
    args = ["train", "--backbone", str(p["backbone"]), "--train", _csv(p["train_data"])]
    if _csv(p.get("dev_data")):
        args += ["--dev", _csv(p["dev_data"])]
    args += _data_options(p)
    args += ["--method", str(p["method"])]
    if str(p["method"]).startswith("adamix"):
        args += ["--experts", str(int(p["experts"]))]
    args += ["--epochs", str(int(p["epochs"])), "--batch-size", str(int(p["batch_size"]))]
    extra = p.get("extra_train_args") or []
    if isinstance(extra, str):
        extra = extra.split()
    args += [str(a) for a in extra]
    args += ["--output", output, "--resume"]
    return args


def merge_args(p, output):
    """adamix merge: writes <output>/merged/ next to the trained mixture."""
    return ["merge", "--model", output, "--backbone", str(p["backbone"])]


def evaluate_args(p, output):
    """adamix evaluate on eval_data (dev_data when eval_data is empty): writes <output>/eval.json."""
    data = _csv(p.get("eval_data")) or _csv(p.get("dev_data"))
    if not data:
        raise ValueError("eval_data and dev_data are both empty: nothing to evaluate on")
    return (["evaluate", "--model", output, "--backbone", str(p["backbone"]), "--data", data]
            + _data_options(p) + ["--output", output + "/" + EVAL_FILE])


def _mib(size):
    m = re.fullmatch(r"\s*(\d+)\s*([kmgt]?)b?\s*", str(size).lower())
    if not m:
        raise ValueError("not a size: %r (use e.g. 4g or 4096m)" % (size,))
    n, unit = int(m.group(1)), m.group(2)
    return {"": n, "k": (n + 1023) // 1024, "m": n, "g": n * 1024, "t": n * 1024 * 1024}[unit]


def spark_conf(p):
    """spark-submit settings, sized like deploy/spark-submit/common.sh: heap H, ND4J off-heap O, JVM native
    N = max(1g, H/10); memoryOverhead = O + N, maxbytes = O, maxphysicalbytes = H + O + N/2."""
    cores, executors, dcores = int(p["executor_cores"]), int(p["executors"]), int(p["driver_cores"])
    if cores < 1 or executors < 1 or dcores < 1:
        raise ValueError("executors, executor_cores and driver_cores must be positive")
    h, o = _mib(p["executor_memory"]), _mib(p["nd4j_offheap"])
    n = max(1024, h // 10)
    dh, do = _mib(p["driver_memory"]), _mib(p["driver_offheap"])
    dn = max(1024, dh // 10)
    conf = {
        "spark.executor.cores": str(cores),
        "spark.task.cpus": str(cores),
        "spark.executorEnv.OMP_NUM_THREADS": str(cores),
        "spark.executor.memory": "%dm" % h,
        "spark.executor.memoryOverhead": "%dm" % (o + n),
        "spark.executor.extraJavaOptions": "%s -Dorg.bytedeco.javacpp.maxbytes=%dm -Dorg.bytedeco.javacpp.maxphysicalbytes=%dm"
                                           % (JAVA17_OPTS, o, h + o + n // 2),
        "spark.driver.memory": "%dm" % dh,
        "spark.driver.memoryOverhead": "%dm" % (do + dn),
        "spark.driver.extraJavaOptions": "%s -Dorg.bytedeco.javacpp.maxbytes=%dm -Dorg.bytedeco.javacpp.maxphysicalbytes=%dm"
                                         % (JAVA17_OPTS, do, dh + do + dn // 2),
        "spark.driver.cores": str(dcores),
        "spark.serializer": "org.apache.spark.serializer.JavaSerializer",
        "spark.dynamicAllocation.enabled": "false",
        "spark.speculation": "false",
        "spark.task.maxFailures": "4",
        "spark.yarn.maxAppAttempts": "1",
        "spark.executor.instances": str(executors),
        "spark.default.parallelism": str(executors),
        # The driver's environment in cluster mode (YARN application master, Kubernetes driver pod).
        "spark.yarn.appMasterEnv.OMP_NUM_THREADS": str(dcores),
        "spark.kubernetes.driverEnv.OMP_NUM_THREADS": str(dcores),
        "spark.yarn.submit.waitAppCompletion": "true",
        "spark.kubernetes.submission.waitAppCompletion": "true",
    }
    for key in ("spark.executorEnv", "spark.yarn.appMasterEnv", "spark.kubernetes.driverEnv"):
        if p["blas_core"]:
            conf[key + ".OPENBLAS_CORETYPE"] = str(p["blas_core"])
        # OpenBLAS's idle threads sleep at once instead of spinning ~0.1 s after every GEMM, which
        # took a core from the model's Java kernels (~1.7x slower, measured).
        conf[key + ".OPENBLAS_THREAD_TIMEOUT"] = "4"
        # ND4J's OpenMP threads likewise sleep after each op (1.2x faster training, measured).
        conf[key + ".OMP_WAIT_POLICY"] = "PASSIVE"
    gpus = int(p["gpus_per_executor"])
    if gpus not in (0, 1):
        raise ValueError("gpus_per_executor must be 0 or 1 (one GPU per executor), got %r" % (gpus,))
    if gpus:
        conf.update({
            "spark.executor.resource.gpu.amount": "1",
            "spark.task.resource.gpu.amount": "1",
            "spark.executor.resource.gpu.discoveryScript": str(p["gpu_discovery_script"]),
            "spark.executor.resource.gpu.vendor": "nvidia.com",
            "spark.plugins": "org.adamix.jobs.gpu.GpuPlugin",
        })
    return conf


def attempt_id(run_id, try_number):
    """The id of one attempt of a job: the DAG run id, the task's try number and a random part (a cleared
    task keeps the run id; a deleted and re-created run restarts the try numbers). The job writes it into
    its marker file (--run-id), and the sensor after it accepts only that."""
    return "%s#%s-%s" % (run_id, try_number, uuid.uuid4().hex[:8])


def _hdfs(*args):
    # An argument list, never a shell: the paths come from DAG params that whoever triggers a run sets.
    return subprocess.run(["hdfs", "dfs"] + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=600, check=False)


def marker_written(uri, run_id, require=()):
    """Sensor callable: True when every path in `require` exists and the JSON file `uri` holds
    "run_id": run_id (this attempt's). A file from an earlier attempt or run does not count."""
    if not run_id:
        print("no attempt id to wait for (the job task has not run in this try)")
        return False
    for path in require or ():
        if _hdfs("-test", "-e", path).returncode != 0:
            print("waiting for %s" % path)
            return False
    r = _hdfs("-cat", uri)
    if r.returncode != 0:
        print("waiting for %s" % uri)
        return False
    try:
        found = json.loads(r.stdout.decode("utf-8")).get("run_id")
    except (ValueError, AttributeError):
        found = None
    if found != run_id:
        print("%s is from another attempt (run_id %r, waiting for %r)" % (uri, found, run_id))
        return False
    return True


def plan(params=None, run_id="manual__example"):
    """Everything a DAG run needs, from its params and run id (JSON-serialisable: it travels as XCom)."""
    p = merged_params(params)
    out = run_output(p["output_root"], run_id)
    return {
        "output": out,
        "success_marker": out + "/" + SUCCESS,
        "summary": out + "/" + SUMMARY,
        "merged": out + "/" + MERGED_DIR,
        "merge_marker": out + "/" + MERGE_MARKER,
        "eval": out + "/" + EVAL_FILE,
        "train": train_args(p, out),
        "merge": merge_args(p, out),
        "evaluate": evaluate_args(p, out),
        "conf": spark_conf(p),
        "jar": str(p["jar"]),
        "spark_conn_id": str(p["spark_conn_id"]),
        "main_class": MAIN_CLASS,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description="Print the AdaMix DAG's plan (argument lists, Spark settings) as JSON.")
    ap.add_argument("--params", default="{}", help="JSON object of DAG params overriding the defaults")
    ap.add_argument("--run-id", default="manual__example", help="Airflow run id (default %(default)s)")
    a = ap.parse_args(argv)
    try:
        overrides = json.loads(a.params)
        if not isinstance(overrides, dict):
            raise ValueError("--params must be a JSON object")
        print(json.dumps(plan(overrides, a.run_id), indent=2))
    except ValueError as e:
        print("adamix_args.py: error: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
