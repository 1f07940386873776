"""Reads a HotSpot -XX:+LogCompilation file and lists the C2 compilations of this project's code
that left a call taking or returning a Vector API vector (or a Vector API method) out of line.
Such a call boxes its vectors: GBs allocated and kernels 1.2-2x slower, in some JVMs and not
others, because C2's inlining decisions (node-count cutoff, "already compiled into a medium
method") depend on the order in which methods got hot. Exit status 1 when there is one.

usage: python3 experiments/jit_check.py LOGFILE
"""
import re
import sys

OURS = "org.adamix"
VECTOR = "jdk.incubator.vector."


def main(path):
    log = open(path, errors="replace").read()
    c2 = set(re.findall(r"<nmethod compile_id='(\d+)' compiler='c2'", log))
    bad = 0
    for task in re.finditer(r"<task (.*?)>(.*?)</task>", log, re.S):
        head, body = task.group(1), task.group(2)
        cid = re.search(r"compile_id='(\d+)'", head).group(1)
        if cid not in c2 or OURS not in head:
            continue
        # ids are per compilation: klass/type and method elements sit in the task's body
        names = {k.group(1): k.group(2) for k in re.finditer(r"<(?:klass|type) id='(\d+)' name='([^']*)'", body)}
        methods = {}
        for m in re.finditer(r"<method id='(\d+)' holder='(\d+)' name='([^']*)' return='(\d+)'(?: arguments='([^']*)')?", body):
            types = [names.get(t, "") for t in [m.group(4)] + (m.group(5) or "").split()]
            methods[m.group(1)] = (names.get(m.group(2), "?") + "." + m.group(3), any(VECTOR in t for t in types))
        last, found = None, []
        for e in re.finditer(r"<call method='(\d+)'|<inline_fail reason='([^']*)'", body):
            if e.group(1):
                last = methods.get(e.group(1))
            elif last and "no static binding" not in e.group(2):  # a virtual call: the profile decides next
                name, vector = last
                if vector or name.startswith(VECTOR):
                    found.append(f"  {name}: {e.group(2)}")
        if found:
            bad += 1
            kind = " (OSR)" if "compile_kind='osr'" in head else ""
            print(f"C2 #{cid}{kind} {re.search(r'method=.([^ ]* [^ ]*)', head).group(1)}")
            print("\n".join(dict.fromkeys(found)))
    print(f"JITCHECK compilations_with_boxed_vector_calls={bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
