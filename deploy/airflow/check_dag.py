"""Loads adamix_dag.py without Airflow and prints what it defines, as JSON.

Airflow cannot be installed everywhere the project is built, so this puts minimal stand-ins for the few
Airflow classes the DAG uses into sys.modules (DAG, Variable, Param, PythonOperator, PythonSensor,
SparkSubmitOperator with the provider's template fields), imports the DAG, runs its plan task on the
given params and run id, resolves the `ti.xcom_pull(task_ids='plan')[...]` templates against that plan,
runs each spark-submit task's execute (the stand-in submits nothing) for its XCom, resolves the
sensors' `ti.xcom_pull(task_ids='<task>')` against those, and prints tasks, dependencies and each
task's resolved arguments. The stand-ins check only what the
DAG relies on; a real Airflow remains the judge of the rest (see deploy/README.md, "Airflow").

    python3 deploy/airflow/check_dag.py [--params JSON] [--run-id ID] [--variable JSON]
"""

import argparse
import json
import os
import re
import sys
import types

_current = []


class _DAG:
    def __init__(self, dag_id, **kwargs):
        self.dag_id, self.kwargs, self.tasks = dag_id, kwargs, []

    def __enter__(self):
        _current.append(self)
        return self

    def __exit__(self, *exc):
        _current.pop()


class _Base:
    template_fields = ()

    def __init__(self, *, task_id, **kwargs):
        self.task_id, self.kwargs, self.downstream = task_id, dict(kwargs), []
        if not _current:
            raise RuntimeError("task %s defined outside a DAG" % task_id)
        _current[-1].tasks.append(self)

    def __rshift__(self, other):
        self.downstream.append(other.task_id)
        return other


class _SparkSubmit(_Base):
    # The provider's template fields (apache-airflow-providers-apache-spark 4.x).
    template_fields = ("application", "conf", "files", "py_files", "jars", "driver_class_path", "packages",
                       "exclude_packages", "keytab", "principal", "proxy_user", "name", "application_args",
                       "env_vars", "properties_file")
    _KNOWN = {"application", "conf", "conn_id", "files", "py_files", "archives", "driver_class_path", "jars",
              "java_class", "packages", "exclude_packages", "repositories", "total_executor_cores",
              "executor_cores", "executor_memory", "driver_memory", "keytab", "principal", "proxy_user", "name",
              "num_executors", "status_poll_interval", "application_args", "env_vars", "verbose", "spark_binary",
              "properties_file", "execution_timeout", "retries", "retry_delay"}

    def __init__(self, *, task_id, conn_id="spark_default", **kwargs):
        unknown = set(kwargs) - self._KNOWN
        if unknown:
            raise TypeError("SparkSubmitOperator got unexpected arguments %s" % sorted(unknown))
        super().__init__(task_id=task_id, **kwargs)
        self._conn_id = conn_id
        for k, v in kwargs.items():
            setattr(self, k, v)

    def execute(self, context):
        return {"conn_id": self._conn_id}


class _Variable:
    values = {}

    @classmethod
    def get(cls, key, default_var=None, deserialize_json=False):
        if key not in cls.values:
            return default_var
        return json.loads(cls.values[key]) if deserialize_json else cls.values[key]


class _Param:
    def __init__(self, default=None, **schema):
        self.value, self.schema = default, schema


def _install_stubs():
    def mod(name, **attrs):
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        sys.modules[name] = m
        return m

    mod("airflow", DAG=_DAG)
    mod("airflow.models", Variable=_Variable, DAG=_DAG)
    mod("airflow.models.param", Param=_Param)
    mod("airflow.operators")
    mod("airflow.operators.python", PythonOperator=type("PythonOperator", (_Base,), {}))
    mod("airflow.sensors")
    mod("airflow.sensors.python", PythonSensor=type("PythonSensor", (_Base,), {"template_fields": ("templates_dict", "op_args", "op_kwargs")}))
    for name in ("airflow.providers", "airflow.providers.apache", "airflow.providers.apache.spark",
                 "airflow.providers.apache.spark.operators"):
        mod(name)
    mod("airflow.providers.apache.spark.operators.spark_submit", SparkSubmitOperator=_SparkSubmit)


_XCOM = re.compile(r"^\{\{ ti\.xcom_pull\(task_ids='plan'\)(?:\['(\w+)'\])? \}\}$")
_XCOM_TASK = re.compile(r"^\{\{ ti\.xcom_pull\(task_ids='(\w+)'\) \}\}$")
_XCOM_IN = re.compile(r"\{\{ ti\.xcom_pull\(task_ids='plan'\)\['(\w+)'\] \}\}")
_FILTER = re.compile(r"\{\{ run_id \| (\w+) \}\}")


def _render(value, plan, filters, run_id, xcoms=None):
    """The DAG's templates, rendered the way Airflow's native-object rendering would for these forms
    (nested in lists and dicts too, as Airflow renders template fields)."""
    if isinstance(value, (list, tuple)):
        return [_render(v, plan, filters, run_id, xcoms) for v in value]
    if isinstance(value, dict):
        return {k: _render(v, plan, filters, run_id, xcoms) for k, v in value.items()}
    if not isinstance(value, str):
        return value
    m = _XCOM.match(value)
    if m:
        return plan if m.group(1) is None else plan[m.group(1)]
    m = _XCOM_TASK.match(value)
    if m and xcoms is not None:
        return xcoms.get(m.group(1))
    value = _XCOM_IN.sub(lambda m: str(plan[m.group(1)]), value)
    value = _FILTER.sub(lambda m: filters[m.group(1)](run_id), value)
    if "{{" in value or "{%" in value:
        raise ValueError("template not understood by check_dag.py: %r" % value)
    return value


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--params", default="{}", help="params given when the run is triggered (JSON object)")
    ap.add_argument("--run-id", default="manual__2024-05-01T10:00:00+00:00")
    ap.add_argument("--variable", default=None, help="value of the adamix_defaults Variable (JSON object)")
    ap.add_argument("--try-number", type=int, default=1, help="the spark-submit tasks' try number")
    a = ap.parse_args(argv)
    _install_stubs()
    if a.variable is not None:
        _Variable.values["adamix_defaults"] = a.variable
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import adamix_dag  # noqa: E402

    dag = adamix_dag.dag
    params = {k: p.value for k, p in dag.kwargs["params"].items()}
    params.update(json.loads(a.params))
    tasks = {t.task_id: t for t in dag.tasks}
    plan = tasks["plan"].kwargs["python_callable"](params=params, run_id=a.run_id)
    json.dumps(plan)  # XCom must be JSON-serialisable
    filters = dag.kwargs.get("user_defined_filters", {})
    xcoms = {"plan": plan}
    out = {"dag_id": dag.dag_id, "native": dag.kwargs.get("render_template_as_native_obj", False),
           "params": params, "tasks": [t.task_id for t in dag.tasks],
           "edges": [[t.task_id, d] for t in dag.tasks for d in t.downstream], "plan": plan, "submit": {}, "sensors": {}}
    for t in dag.tasks:
        if isinstance(t, _SparkSubmit):
            for f in type(t).template_fields:
                if hasattr(t, f):
                    setattr(t, f, _render(getattr(t, f), plan, filters, a.run_id))
            # the subclass sets the connection id from its (rendered) template field and adds --run-id
            xcoms[t.task_id] = t.execute({"run_id": a.run_id, "ti": types.SimpleNamespace(try_number=a.try_number)})
            out["submit"][t.task_id] = {
                "conn_id": t._conn_id, "application": t.application, "java_class": t.java_class, "name": t.name,
                "application_args": t.application_args, "conf": t.conf,
                "templated": [f for f in type(t).template_fields if f in ("application_args", "conf", "application", "name", "spark_conn_id")],
                "xcom": xcoms[t.task_id],
            }
    for t in dag.tasks:
        if t.task_id != "plan" and not isinstance(t, _SparkSubmit):
            if "op_kwargs" not in type(t).template_fields:
                raise ValueError("%s: op_kwargs would not be templated" % t.task_id)
            out["sensors"][t.task_id] = {
                "type": type(t).__name__,
                "callable": "%s.%s" % (t.kwargs["python_callable"].__module__, t.kwargs["python_callable"].__name__),
                "op_kwargs": _render(t.kwargs["op_kwargs"], plan, filters, a.run_id, xcoms),
                "mode": t.kwargs.get("mode"), "timeout": t.kwargs.get("timeout")}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
