"""JUnit XML: one test case per object and rule that applied to it."""

from __future__ import annotations

from collections import defaultdict
from typing import TextIO
from xml.etree import ElementTree as ET

from .model import CheckReport


def _key(obj: dict) -> str:
    ns = obj.get("namespace")
    return f"{obj.get('kind')}/{ns + '/' if ns else ''}{obj.get('name')}"


def write(report: CheckReport, out: TextIO) -> None:
    by_case: dict[tuple, list] = defaultdict(list)
    for p in report.problems:
        by_case[(p.file, _key(p.object), p.rule)].append(p)
    suites = ET.Element("testsuites", name="kuberules")
    by_file: dict[str, list] = defaultdict(list)
    for checked in report.checked:
        for rule in checked.rules:
            by_file[checked.file].append((checked, rule))
    for problem in report.problems:  # schema problems and rules outside `checked`
        key = (problem.file, _key(problem.object), problem.rule)
        if not any(c.file == key[0] and _key(c.object) == key[1] and r == key[2] for c, r in by_file[key[0]]):
            by_file[problem.file].append((None, problem))
    for file in sorted(by_file):
        cases = by_file[file]
        suite = ET.SubElement(suites, "testsuite", name=file, tests=str(len(cases)))
        failures = 0
        for checked, rule in cases:
            if checked is None:
                problems, name, obj_key = [rule], f"{rule.rule} on {_key(rule.object)}", _key(rule.object)
            else:
                obj_key = _key(checked.object)
                problems, name = by_case.get((file, obj_key, rule), []), f"{rule} on {obj_key}"
            case = ET.SubElement(suite, "testcase", classname=file, name=name)
            failing = [p for p in problems if p.level == "error"]
            if failing:
                failures += 1
                node = ET.SubElement(case, "failure", message=failing[0].message, type=failing[0].effect)
                node.text = "\n".join(f"{p.file}:{p.line}:{p.column}: {p.message}" for p in failing)
            warnings = [p for p in problems if p.level != "error"]
            if warnings:
                ET.SubElement(case, "system-out").text = "\n".join(
                    f"{p.file}:{p.line}:{p.column}: warning: {p.message}" for p in warnings)
        suite.set("failures", str(failures))
    for message in report.input_errors:
        suite = ET.SubElement(suites, "testsuite", name="input", tests="1", failures="0", errors="1")
        case = ET.SubElement(suite, "testcase", classname="input", name=message.split(":")[0])
        ET.SubElement(case, "error", message=message)
    ET.indent(suites)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(suites, encoding="unicode"))
    out.write("\n")
