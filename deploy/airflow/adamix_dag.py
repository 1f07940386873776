"""AdaMix on Spark: train -> merge -> evaluate, each a spark-submit of the job jar, each checked on HDFS.

    plan ─ train ─ train_done ─ merge ─ merged_done ─ evaluate ─ eval_done

* plan (PythonOperator): turns the run's params and run id into the run's output URI
  (<output_root>/<run id>), the three argument lists and the Spark settings (adamix_args.plan), and
  hands them to the other tasks as XCom. Everything the jobs receive is built in adamix_args.py,
  which has no Airflow import, so `python3 adamix_args.py` shows what a run would submit.
* train / merge / evaluate (SparkSubmitOperator, apache-airflow-providers-apache-spark): the job jar,
  main class org.adamix.jobs.AdaMix, the Spark connection given by the spark_conn_id param (its host is
  the master: yarn, spark://..., k8s://...; its extra holds deploy-mode, queue, namespace, spark-binary).
  train passes --resume: a retry continues from the run's last checkpoint (a retry that starts while a
  zombie attempt still trains stops on the output's _LOCK). Each attempt appends --run-id <attempt id>
  (adamix_args.attempt_id: run id, try number, a random part) and returns it as its XCom.
* train_done / merged_done / eval_done (PythonSensor, adamix_args.marker_written): wait until
  summary.json (with _SUCCESS, written last by train), merge.json and eval.json hold that attempt id.
  spark-submit's exit code alone is not trusted: in Kubernetes cluster mode, or with waitAppCompletion
  off, it can return before (or regardless of) the job's end; and files from an earlier attempt (a
  cleared task) do not count. The sensors run the hdfs client with an argument list, no shell: the
  paths come from DAG params.

Params (Trigger DAG w/ config) default to the Airflow Variable "adamix_defaults" (a JSON object with
any of adamix_args.DEFAULTS' keys), else to adamix_args.DEFAULTS.
"""

import os
import sys
from datetime import datetime, timedelta

from airflow import DAG
from airflow.models import Variable
from airflow.models.param import Param
from airflow.operators.python import PythonOperator
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sensors.python import PythonSensor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import adamix_args  # noqa: E402  (deployed next to this file)

DAG_ID = "adamix_train_merge_evaluate"


def _defaults():
    """adamix_args.DEFAULTS overridden by the "adamix_defaults" Variable (one metadata query per parse)."""
    try:
        overrides = Variable.get("adamix_defaults", default_var={}, deserialize_json=True)
    except Exception:  # an unreadable Variable must not take the DAG down; the defaults still work
        overrides = {}
    return adamix_args.merged_params(overrides or {})


def _params(d):
    ps = {}
    for key, value in d.items():
        if isinstance(value, bool):
            ps[key] = Param(value, type="boolean")
        elif isinstance(value, int):
            ps[key] = Param(value, type="integer", minimum=0)
        elif isinstance(value, list):
            ps[key] = Param(value, type="array")
        else:
            ps[key] = Param(value, type="string")
    return ps


def _plan(params, run_id, **_):
    return adamix_args.plan({k: params[k] for k in adamix_args.DEFAULTS if k in params}, run_id)


class AdaMixSparkSubmit(SparkSubmitOperator):
    """SparkSubmitOperator whose connection id is templated too (the spark_conn_id param)."""

    template_fields = tuple(SparkSubmitOperator.template_fields) + ("spark_conn_id",)

    def __init__(self, *, spark_conn_id, **kwargs):
        super().__init__(**kwargs)
        self.spark_conn_id = spark_conn_id

    def execute(self, context):
        # The provider reads the connection id when it builds its hook, at execute time.
        self._conn_id = self.spark_conn_id
        self.conn_id = self.spark_conn_id
        # This attempt's id, for the job's marker file; returned, so it becomes the XCom the sensor waits for.
        attempt = adamix_args.attempt_id(context["run_id"], context["ti"].try_number)
        self.application_args = list(self.application_args) + ["--run-id", attempt]
        super().execute(context)
        return attempt


def _submit(task_id, step, hours):
    return AdaMixSparkSubmit(
        task_id=task_id,
        spark_conn_id="{{ ti.xcom_pull(task_ids='plan')['spark_conn_id'] }}",
        application="{{ ti.xcom_pull(task_ids='plan')['jar'] }}",
        java_class=adamix_args.MAIN_CLASS,
        name="adamix-%s-{{ run_id | hdfs_safe }}" % step,
        application_args="{{ ti.xcom_pull(task_ids='plan')['%s'] }}" % step,
        conf="{{ ti.xcom_pull(task_ids='plan')['conf'] }}",
        execution_timeout=timedelta(hours=hours),
    )


def _written(task_id, step, marker, hours, require=()):
    return PythonSensor(
        task_id=task_id,
        python_callable=adamix_args.marker_written,
        op_kwargs={
            "uri": "{{ ti.xcom_pull(task_ids='plan')['%s'] }}" % marker,
            "run_id": "{{ ti.xcom_pull(task_ids='%s') }}" % step,
            "require": ["{{ ti.xcom_pull(task_ids='plan')['%s'] }}" % r for r in require],
        },
        poke_interval=60,
        timeout=int(timedelta(hours=hours).total_seconds()),
        mode="reschedule",
    )


with DAG(
    dag_id=DAG_ID,
    description="AdaMix fine-tuning on Spark: train, merge the experts, evaluate",
    start_date=datetime(2024, 1, 1),
    schedule=None,
    catchup=False,
    max_active_runs=1,
    params=_params(_defaults()),
    # XCom values (lists, dicts) render as Python objects, not strings: application_args stays a list.
    render_template_as_native_obj=True,
    user_defined_filters={"hdfs_safe": adamix_args.hdfs_safe},
    default_args={"owner": "ml", "retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["adamix", "spark"],
) as dag:
    plan = PythonOperator(task_id="plan", python_callable=_plan, retries=0)
    train = _submit("train", "train", hours=24)
    train_done = _written("train_done", "train", "summary", hours=2, require=("success_marker",))
    merge = _submit("merge", "merge", hours=2)
    merged_done = _written("merged_done", "merge", "merge_marker", hours=1)
    evaluate = _submit("evaluate", "evaluate", hours=4)
    eval_done = _written("eval_done", "evaluate", "eval", hours=1)

    plan >> train >> train_done >> merge >> merged_done >> evaluate >> eval_done
