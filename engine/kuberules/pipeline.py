"""The path of manifests through `kuberules check`: read, validate, evaluate, locate.

Memory stays flat however many documents come in, because no document is kept
once it has been reported on. That takes two passes, since a rule that reads
`cluster` (a Service that selects no pod) can only be decided once every
object has been seen:

1. Each file is read in turn. Its documents are checked against the schema
   and against every rule that does not read `cluster`, with positions taken
   from the parse nodes still in hand; then the file is let go. Two things are
   kept: the projection of each object that the cluster view needs (the
   fields rules read through `cluster`, projection.py works them out from the
   rules), and, when a rule that reads `cluster` applies to an object, the
   object itself, set aside in a temporary file (marshal) with a locator of
   its text.
2. With the cluster complete, the objects set aside are read back and
   checked against the rules that read it; a finding's position comes from
   re-reading that one document's text.

With a snapshot of the cluster (`--cluster`), pass 1 also admits each
object, in input order as `kubectl apply -f` sends them, through the
LimitRanger and ResourceQuota rules of policies/kubernetes (k8s/admission.py
keeps the quotas' books), and reports what they would refuse.

Problems are reported in file order, then by line and column.
"""

from __future__ import annotations

import fnmatch
import marshal
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO

import yaml

from .decision import Finding, format_path, object_ref
from .errors import EvalError
from .k8s.admission import Admission, validation_errors
from .k8s.cluster import ClusterView
from .k8s.load import Document, ListItem, expand_paths, parse_file, read_input
from .k8s.schema import SchemaValidator
from .k8s.workloads import pod_of
from .k8s.yaml_loader import LoadedDocument, LoadError, locator, relocate
from .policy import Policy
from .projection import cluster_use
from .report.model import Checked, CheckReport, Problem

SKIP_ANNOTATION = "kuberules.dev/skip"
SCHEMA_RULE = "kubernetes.schema"
ADMISSION_RULES = {"LimitRanger": "kubernetes.admission.limitranger",
                   "ResourceQuota": "kubernetes.admission.resourcequota"}


def matches(rule_id: str, patterns: Iterable[str]) -> bool:
    """Whether a rule id is named by a pattern: its id, its bare name, or a glob."""
    name = rule_id.rsplit(".", 1)[-1]
    return any(fnmatch.fnmatchcase(rule_id, p) or p == name for p in patterns)


def skipped_rules(obj: dict) -> list[str]:
    """The rule patterns an object opts out of with the `kuberules.dev/skip` annotation."""
    meta = obj.get("metadata") if type(obj.get("metadata")) is dict else {}
    notes = meta.get("annotations") if type(meta.get("annotations")) is dict else {}
    value = notes.get(SKIP_ANNOTATION)
    return [s.strip() for s in value.split(",") if s.strip()] if type(value) is str else []


def _skips(skipped: list[str], rule_id: str) -> bool:
    return bool(skipped) and ("*" in skipped or matches(rule_id, skipped))


class CheckPipeline:
    """One run of `check` over some paths, filling a CheckReport.

    `schema` is None when shapes are not validated; `record_checked` keeps, per
    object, the rules that applied (only the JUnit report needs them).
    """

    def __init__(self, policy: Policy, schema: SchemaValidator | None, report: CheckReport,
                 *, record_checked: bool = False, admission: Policy | None = None):
        self.schema = schema
        self.report = report
        self.record_checked = record_checked
        self.all_rules = policy
        self.use = cluster_use(policy)
        crossing = self.use.rules
        self.local = policy.restrict(lambda r: r.rule_id not in crossing)
        self.crossing = policy.restrict(lambda r: r.rule_id in crossing)
        self.projections: list[dict] = []
        self.stdin: bytes | None = None
        self.admission_rules = admission
        self.admission: Admission | None = None

    def run(self, paths: list[str], cluster_paths: list[str] = ()) -> None:
        snapshot = []
        for path in expand_paths(list(cluster_paths)):
            for doc in self._read(path, keep_nodes=False):
                self._add_to_cluster(doc.object)
                snapshot.append(doc)
        if self.admission_rules is not None:
            self.admission = Admission(self.admission_rules, [d.object for d in snapshot if self._holdable(doc=d)])
        del snapshot
        with tempfile.TemporaryFile(prefix="kuberules-") as aside:
            for path in expand_paths(paths):
                self._first_pass(path, aside)
            if self.crossing.rules:
                aside.seek(0)
                self._second_pass(aside)

    # ---------------------------------------------------------------- reading

    def _read(self, path: str, *, keep_nodes: bool) -> list[Document]:
        name, data = read_input(path)
        if isinstance(data, LoadError):
            self.report.input_errors.append(str(data))
            return []
        if path == "-":
            self.stdin = data
        documents, errors = parse_file(name, data, keep_nodes=keep_nodes)
        self.report.input_errors.extend(str(e) for e in errors)
        return documents

    def _holdable(self, doc: Document) -> bool:
        """Whether a cluster could hold this snapshot object; a LimitRange or quota it
        could not is an input error (the snapshot is wrong, not the manifests)."""
        errors = validation_errors(self.admission_rules, doc.object)
        self.report.input_errors.extend(f"{doc.file}:{doc.line}: {e}" for e in errors)
        return not errors

    def _add_to_cluster(self, obj: dict) -> None:
        if self.use.reads_cluster():
            self.projections.append(self.use.project(obj))

    # ---------------------------------------------------------------- pass 1

    def _first_pass(self, path: str, aside: IO[bytes]) -> None:
        documents = self._read(path, keep_nodes=True)
        if not documents:
            return
        self.report.files += 1
        file = documents[0].file
        self.report.problems.register(file)
        set_aside = []
        for i, doc in enumerate(documents):
            documents[i] = None  # the file's parse nodes go with its last document
            obj = doc.object
            self.report.objects += 1
            self._add_to_cluster(obj)
            skipped = skipped_rules(obj)
            ref = object_ref(obj)
            applied = self._validate(doc, ref, skipped)
            self._report(doc, ref, skipped, self.local.evaluate(obj))
            if self.admission is not None:
                self._admit(doc, ref, skipped)
            if any(r.applies(obj, None) for r in self.crossing.rules_for(str(obj.get("kind")))):
                set_aside.append((obj, ref, skipped, doc.file, doc.line, _place(doc)))
            if self.record_checked:
                applied.extend(r.rule_id for r in self.all_rules.rules_for(str(obj.get("kind")))
                               if r.applies(obj, None) and not _skips(skipped, r.rule_id))
                self.report.checked.append(Checked(doc.file, ref, applied))
        self.report.problems.close(file)
        if set_aside:  # one record a file: marshal reads a file object a few bytes at a time
            record = marshal.dumps(set_aside)
            aside.write(len(record).to_bytes(8, "little"))
            aside.write(record)

    def _validate(self, doc: Document, ref: dict, skipped: list[str]) -> list[str]:
        if self.schema is None or _skips(skipped, SCHEMA_RULE):
            return []
        for problem in self.schema.errors(doc.object):
            line, column = _position(doc, problem.path)
            self.report.problems.append(Problem(
                doc.file, line, column, SCHEMA_RULE, "deny", "high", problem.message, ref,
                format_path(problem.path),
            ))
        return [SCHEMA_RULE] if self.schema.known(doc.object) else []

    def _admit(self, doc: Document, ref: dict, skipped: list[str]) -> None:
        """What the API server's admission would refuse, at the object (or the container) it is about."""
        try:
            decision = self.admission.admit(doc.object)
        except EvalError as err:  # a value the API server could not decode, such as cpu: "lots"
            rule = ADMISSION_RULES["ResourceQuota"]
            self.report.problems.append(Problem(doc.file, doc.line, 1, rule, "error", "high",
                                                f"cannot be admitted: {err.message}", ref, ""))
            return
        located = pod_of(doc.object) if decision.pod_original is not None else None
        prefix = located[1] if located else ()
        for reason in decision.reasons:
            rule = ADMISSION_RULES[reason.plugin]
            if _skips(skipped, rule):
                continue
            path = (*prefix, *reason.path) if reason.path else ()
            line, column = _position(doc, path)
            self.report.problems.append(Problem(
                doc.file, line, column, rule, "deny", "high", f"{reason.source}: {reason.message}", ref,
                format_path(path),
            ))

    def _report(self, doc: Document, ref: dict, skipped: list[str], findings: list[Finding]) -> None:
        for finding in findings:
            if _skips(skipped, finding.rule_id):
                continue
            line, column = _position(doc, finding.path)
            self.report.problems.append(Problem(
                doc.file, line, column, finding.rule_id, finding.effect, finding.severity,
                finding.message, ref, format_path(finding.path),
            ))

    # ---------------------------------------------------------------- pass 2

    def _second_pass(self, aside: IO[bytes]) -> None:
        cluster = ClusterView(self.projections)
        self.projections = []
        sources = _Sources(self.stdin)
        while header := aside.read(8):  # a record a file
            file = None
            for obj, ref, skipped, file, line, place in marshal.loads(aside.read(int.from_bytes(header, "little"))):
                findings = self.crossing.evaluate(obj, cluster=cluster)
                if findings:
                    self._report(_SetAside(file, line, place, sources), ref, skipped, findings)
            if file is not None:
                self.report.problems.close(file)


def _place(doc: Document) -> tuple:
    if isinstance(doc, ListItem):
        return (locator(doc.parent), doc.index)
    return (locator(doc), None)


def _position(doc: Document | _SetAside, path: tuple) -> tuple[int, int]:
    return doc.position(path) or (doc.line, 1)


class _Sources:
    """The text of the file last asked for (files are asked for in order)."""

    def __init__(self, stdin: bytes | None):
        self.stdin = stdin
        self.name: str | None = None
        self.data: bytes | str = b""

    def get(self, name: str) -> bytes | str:
        if name != self.name:
            self.name = name
            self.data = self.stdin if name == "<stdin>" and self.stdin is not None else Path(name).read_bytes()
        return self.data


class _SetAside:
    """A document read back in pass 2: where it is, and how to find its fields' positions."""

    def __init__(self, file: str, line: int, place: tuple, sources: _Sources):
        self.file, self.line, self.place, self.sources = file, line, place, sources

    def position(self, path: tuple = ()) -> tuple[int, int] | None:
        where, item = self.place
        try:
            doc: LoadedDocument = relocate(self.sources.get(self.file), self.file, self.line, where)
            return doc.position(("items", item, *path) if item is not None else path)
        except (OSError, UnicodeError, yaml.YAMLError):  # the file changed since pass 1
            return None

