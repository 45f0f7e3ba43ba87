"""`kuberules netpol reach|matrix`: NetworkPolicy offline, answered by
policies/kubernetes/networkpolicy.rules over the pods and policies of manifests.

Pods are the Pods of the input and one representative pod per workload (named
by the workload, from its pod template); namespaces are the Namespace objects
and those the objects are in.
"""

from __future__ import annotations

import argparse
import csv
import html
import ipaddress
import json
import math
from typing import TextIO, TypeVar

from ..engine import Engine
from ..k8s.cluster import ClusterView
from ..k8s.load import InputError, read_located
from ..resources import policies_dir

PROTOCOLS = ("TCP", "UDP", "SCTP")
NO_CONNECTIONS = "No Connections"
T = TypeVar("T")


def add_parser(sub) -> None:
    p = sub.add_parser("netpol", help="NetworkPolicy offline: can A reach B, the whole matrix")
    cmds = p.add_subparsers(dest="netpol_command", required=True, metavar="COMMAND")
    reach = cmds.add_parser("reach", help="whether SRC can connect to DST, and which policy decides")
    reach.add_argument("src", metavar="SRC", help="NS/NAME of a pod or workload, or an IP address")
    reach.add_argument("dst", metavar="DST", help="NS/NAME of a pod or workload, or an IP address")
    reach.add_argument("--port", metavar="P[/PROTO]", help="a port number or name (default: every port)")
    reach.add_argument("--cluster", action="append", default=[], metavar="PATH", required=True)
    reach.add_argument("--explain", action="store_true", help="each side's policy and rule, or why it is closed")
    reach.add_argument("-o", "--output", choices=("text", "json"), default="text")
    reach.set_defaults(run=run_reach)
    matrix = cmds.add_parser("matrix", help="the connections between every pair of pods")
    matrix.add_argument("paths", nargs="+", metavar="PATH")
    matrix.add_argument("-o", "--output", choices=("text", "json", "csv", "md", "dot", "svg", "html"),
                        default="text")
    matrix.set_defaults(run=run_matrix)
    diff = cmds.add_parser("diff", help="connections added, removed and changed between two versions")
    diff.add_argument("old", metavar="OLD", help="the manifests before (file or directory)")
    diff.add_argument("new", metavar="NEW", help="the manifests after")
    diff.add_argument("--exit-code", action="store_true", help="exit 1 when anything changed")
    diff.add_argument("-o", "--output", choices=("text", "json", "csv", "md"), default="text")
    diff.set_defaults(run=run_diff)
    explain = cmds.add_parser("explain", help="what a policy selects, isolates and admits")
    explain.add_argument("policy", metavar="NS/NAME")
    explain.add_argument("--cluster", action="append", default=[], metavar="PATH", required=True)
    explain.add_argument("-o", "--output", choices=("text", "json"), default="text")
    explain.set_defaults(run=run_explain)


class _Network:
    """The endpoints and policies of some manifests, and where each policy was written."""

    def __init__(self, paths: list[str]):
        documents = read_located(paths)
        self.policy = Engine().load(policies_dir() / "kubernetes")
        errors = [f"{d.file}:{d.line}: NetworkPolicy {(d.object.get('metadata') or {}).get('name')}: {e}"
                  for d in documents if d.object.get("kind") == "NetworkPolicy"
                  for e in self.policy.query("kubernetes.validation.networkpolicy_errors", d.object)]
        if errors:  # the apiserver would refuse these policies: answers about them would be about nothing
            raise InputError("\nerror: ".join(errors))
        objects = [d.object for d in documents]
        self.where = {(d.object.get("metadata") or {}).get("namespace", "") + "/" +
                      (d.object.get("metadata") or {}).get("name", ""): f"{d.file}:{d.line}"
                      for d in documents if d.object.get("kind") == "NetworkPolicy"}
        workload_kinds = set(self.policy.query("kubernetes.workloads.kinds"))
        self.endpoints: dict[str, dict] = {}
        for obj in objects:
            kind, meta = obj.get("kind"), obj.get("metadata") or {}
            if kind == "Pod":
                pod, name = obj, meta.get("name", "")
            elif kind in workload_kinds:
                pod, name = self.policy.query("kubernetes.workloads.pod_of", obj), meta.get("name", "")
            else:
                continue
            endpoint = self.policy.query("kubernetes.networkpolicy.endpoint", pod, name)
            self.endpoints[f"{endpoint['namespace']}/{name}"] = endpoint
        namespaces = {e["namespace"] for e in self.endpoints.values()} | {
            (o.get("metadata") or {}).get("namespace") for o in objects if (o.get("metadata") or {}).get("namespace")}
        declared = {(o.get("metadata") or {}).get("name") for o in objects if o.get("kind") == "Namespace"}
        implied = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}} for ns in namespaces - declared]
        self.view = ClusterView([*objects, *implied])

    def query(self, name: str, *args: object) -> dict | list:
        return self.policy.query(f"kubernetes.networkpolicy.{name}", *args, cluster=self.view)

    def endpoint(self, text: str) -> dict:
        if text in self.endpoints:
            return self.endpoints[text]
        try:
            ipaddress.ip_address(text)
        except ValueError:
            known = ", ".join(sorted(self.endpoints)) or "none"
            raise InputError(f"{text}: not a pod or workload of the input (NS/NAME) nor an IP address; "
                             f"endpoints: {known}") from None
        return {"ip": text}

    def allowed_ports(self, src: dict, dst: dict) -> dict[str, list[tuple[int, int]]]:
        """Per protocol, the allowed port ranges (1-65535 when all are)."""
        rows = self.query("matrix", [src, dst])
        return _by_protocol(rows[0][2]) if rows else {p: [(1, 65535)] for p in PROTOCOLS}

    def blocks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """Every ipBlock cidr and except of the policies (validated when the network was read)."""
        return [ipaddress.ip_network(text, strict=False) for text in _block_texts(self.view)]


def address_ranges(blocks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> list[tuple[str, dict]]:
    """The addresses outside the pods, cut where a block starts or ends, so that every address of a range
    gets the same answers; each range is asked about by its first address. IPv4 always (the whole space
    when no policy names a block), IPv6 when a block is IPv6."""
    out = []
    for version, top in ((4, 2**32), (6, 2**128)):
        cuts = {int(b.network_address) for b in blocks if b.version == version} | {
            int(b.broadcast_address) + 1 for b in blocks if b.version == version}
        if version == 6 and not cuts:
            continue
        points = sorted(cuts - {top} | {0})
        address = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
        for first, following in zip(points, [*points[1:], top], strict=True):
            out.append((f"{address(first)}-{address(following - 1)}", {"ip": str(address(first))}))
    return out


def _block_texts(view: ClusterView):
    """The cidr and except strings of every ipBlock (validated when the network was read)."""
    for policy in view.objects("NetworkPolicy"):
        spec = policy.get("spec") or {}
        for rule in [*(spec.get("ingress") or []), *(spec.get("egress") or [])]:
            for peer in [*(rule.get("from") or []), *(rule.get("to") or [])]:
                block = peer.get("ipBlock") or {}
                if block.get("cidr"):
                    yield block["cidr"]
                    yield from block.get("except") or []


def _by_protocol(ports: list[list]) -> dict[str, list[tuple[int, int]]]:
    """A port set of the rules ([protocol, first, last], normal form) as runs per protocol."""
    out: dict[str, list[tuple[int, int]]] = {}
    for protocol in PROTOCOLS:
        runs = [(first, last) for proto, first, last in ports if proto == protocol]
        if runs:
            out[protocol] = runs
    return out


def _connections(ports: dict[str, list[tuple[int, int]]]) -> str:
    if all(ports.get(p) == [(1, 65535)] for p in PROTOCOLS):
        return "All Connections"
    if not ports:
        return NO_CONNECTIONS
    return ",".join(f"{proto} " + ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
                    for proto, runs in ports.items())


def _port(net: _Network, text: str, dst: dict) -> tuple[int, str]:
    value, _, proto = text.partition("/")
    proto = (proto or "TCP").upper()
    number = net.query("port_number", dst, int(value) if value.isdigit() else value, proto)
    if number < 0:
        raise InputError(f"--port {text}: the destination declares no {proto} port named {value}")
    return number, proto


def run_reach(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    net = _Network(args.cluster)
    src, dst = net.endpoint(args.src), net.endpoint(args.dst)
    if args.port is None:
        ports = net.allowed_ports(src, dst)
        result = {"allowed": bool(ports), "connections": _connections(ports),
                  "ports": {p: [list(r) for r in runs] for p, runs in ports.items()}}
        if args.output == "json":
            stdout.write(json.dumps(result, indent=2) + "\n")
        else:
            print(f"{'yes' if ports else 'no'}: {result['connections']}", file=stdout)
        return 0 if ports else 1
    port, protocol = _port(net, args.port, dst)
    verdict = net.query("reach", src, dst, port, protocol)
    for side in ("egress", "ingress"):
        for rule in verdict[side].get("rules", []):
            rule["location"] = net.where.get(rule["policy"], "")
    if args.output == "json":
        stdout.write(json.dumps({"port": port, "protocol": protocol, **verdict}, indent=2) + "\n")
    else:
        print("yes" if verdict["allowed"] else "no", file=stdout)
        if args.explain:
            for side in ("egress", "ingress"):
                rules = verdict[side].get("rules", [])
                where = " (" + ", ".join(f"{r['policy']} at {r['location']}" for r in rules) + ")" if rules else ""
                print(f"  {side}: {verdict[side]['reason']}{where}", file=stdout)
    return 0 if verdict["allowed"] else 1


def _connectivity(net: _Network, ranges: list[tuple[str, dict]]) -> dict[tuple[str, str], str]:
    """The connections of every ordered pair of pods and address ranges (not two ranges)."""
    names = sorted(net.endpoints)
    labels = names + [label for label, _ in ranges]
    rows = net.query("matrix", [*(net.endpoints[n] for n in names), *(e for _, e in ranges)])
    return {(labels[s], labels[d]): _connections(_by_protocol(ports)) for s, d, ports in rows}


def _merged(table: dict[tuple[str, str], T], pods: list[str], ranges: list[str], missing: T
            ) -> dict[tuple[str, str], T]:
    """The table with adjacent address ranges merged where their row and column are equal (pairs not in
    the table count as `missing`), in output order: pods by name, then ranges by address."""
    merged: list[tuple[str, tuple]] = []  # (range label, its values to and from every pod)
    for label in ranges:
        seen = tuple(table.get((label, n), missing) for n in pods) + tuple(table.get((n, label), missing) for n in pods)
        if merged and merged[-1][1] == seen and _version(merged[-1][0]) == _version(label):
            merged[-1] = (merged[-1][0].partition("-")[0] + "-" + label.partition("-")[2], seen)
        else:
            merged.append((label, seen))
    out = {pair: value for pair, value in table.items() if "/" in pair[0] and "/" in pair[1]}
    for label, seen in merged:
        out.update({(label, n): seen[i] for i, n in enumerate(pods)})
        out.update({(n, label): seen[len(pods) + i] for i, n in enumerate(pods)})
    return dict(sorted(out.items(), key=lambda kv: (_order(kv[0][0]), _order(kv[0][1]))))


def _matrix(net: _Network) -> dict[tuple[str, str], str]:
    """Every ordered pair of pods and address ranges (not two ranges) with its connections; adjacent ranges
    with the same connections everywhere are merged."""
    ranges = address_ranges(net.blocks())
    table = _connectivity(net, ranges)
    return _merged(table, sorted(net.endpoints), [label for label, _ in ranges], NO_CONNECTIONS)


def _version(label: str) -> int:
    return ipaddress.ip_address(label.partition("-")[0]).version


def _order(label: str) -> tuple:
    """Pods by name, then address ranges by family and first address."""
    if "/" in label:
        return (0, label, 0)
    first = ipaddress.ip_address(label.partition("-")[0])
    return (first.version, "", int(first))


def run_diff(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Pairs whose connections differ; a pod that exists on one side only has No Connections on the other."""
    before, after = _Network([args.old]), _Network([args.new])
    ranges = address_ranges(before.blocks() + after.blocks())  # the same ranges on both sides
    old, new = _connectivity(before, ranges), _connectivity(after, ranges)
    pods = sorted(set(before.endpoints) | set(after.endpoints))
    both = _merged({pair: (old.get(pair, NO_CONNECTIONS), new.get(pair, NO_CONNECTIONS)) for pair in old | new},
                   pods, [label for label, _ in ranges], (NO_CONNECTIONS, NO_CONNECTIONS))
    rows = []
    for (src, dst), (was, now) in both.items():
        if was != now:
            change = "added" if was == NO_CONNECTIONS else "removed" if now == NO_CONNECTIONS else "changed"
            rows.append((src, dst, change, was, now))
    if args.output == "json":
        stdout.write(json.dumps([dict(zip(("src", "dst", "diff", "old", "new"), r, strict=True)) for r in rows],
                                indent=2) + "\n")
    elif args.output == "csv":
        writer = csv.writer(stdout, lineterminator="\n")
        writer.writerow(["src", "dst", "diff", "old", "new"])
        writer.writerows(rows)
    elif args.output == "md":
        stdout.write("| src | dst | diff | old | new |\n|---|---|---|---|---|\n")
        stdout.write("".join(f"| {' | '.join(r)} |\n" for r in rows))
    else:
        stdout.write("".join(f"{c}: {a} => {b} : {o} -> {n}\n" for a, b, c, o, n in rows))
    return 1 if rows and args.exit_code else 0


def run_matrix(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    net = _Network(args.paths)
    rows = [(a, b, conns) for (a, b), conns in _matrix(net).items()]
    nodes = sorted({name for a, b, _ in rows for name in (a, b)} | set(net.endpoints), key=_order)
    if args.output == "json":
        stdout.write(json.dumps([{"src": a, "dst": b, "conns": c} for a, b, c in rows], indent=2) + "\n")
    elif args.output == "csv":
        writer = csv.writer(stdout, lineterminator="\n")
        writer.writerow(["src", "dst", "conns"])
        writer.writerows(rows)
    elif args.output == "md":
        stdout.write("| src | dst | conns |\n|---|---|---|\n")
        stdout.write("".join(f"| {a} | {b} | {c} |\n" for a, b, c in rows))
    elif args.output == "dot":
        stdout.write(_dot(nodes, rows))
    elif args.output == "svg":
        stdout.write(_svg(nodes, rows) + "\n")
    elif args.output == "html":
        stdout.write(_html(nodes, rows))
    else:
        stdout.write("".join(f"{a} => {b} : {c}\n" for a, b, c in rows if c != NO_CONNECTIONS))
    return 0


def _dot(names: list[str], rows: list[tuple[str, str, str]]) -> str:
    """Graphviz: a cluster per namespace, address ranges outside them, an edge per open pair labelled with
    its connections."""
    lines = ["digraph netpol {", "  rankdir=LR;", "  node [shape=box, style=rounded];"]
    pods = [n for n in names if "/" in n]
    for i, ns in enumerate(sorted({n.split("/")[0] for n in pods})):
        lines.append(f"  subgraph cluster_{i} {{ label={json.dumps(ns)};")
        lines.extend(f"    {json.dumps(n)} [label={json.dumps(n.split('/', 1)[1])}];" for n in pods
                     if n.split("/")[0] == ns)
        lines.append("  }")
    lines.extend(f"  {json.dumps(n)} [shape=note];" for n in names if "/" not in n)
    lines.extend(f"  {json.dumps(a)} -> {json.dumps(b)} [label={json.dumps(c)}];" for a, b, c in rows
                 if c != NO_CONNECTIONS)
    return "\n".join([*lines, "}"]) + "\n"


def _svg(names: list[str], rows: list[tuple[str, str, str]]) -> str:
    """The graph, pods on a circle and an arrow per open pair (its connections on hover)."""
    esc = html.escape
    size, radius = 640, 250
    points = {n: (size / 2 + radius * math.cos(2 * math.pi * i / max(len(names), 1)),
                  size / 2 + radius * math.sin(2 * math.pi * i / max(len(names), 1))) for i, n in enumerate(names)}
    edges = "".join(
        f'<line x1="{points[a][0]:.0f}" y1="{points[a][1]:.0f}" x2="{points[b][0]:.0f}" y2="{points[b][1]:.0f}" '
        f'marker-end="url(#arrow)"><title>{esc(f"{a} => {b} : {c}")}</title></line>'
        for a, b, c in rows if c != NO_CONNECTIONS)
    nodes = "".join(f'<circle cx="{x:.0f}" cy="{y:.0f}" r="6"/><text x="{x + 9:.0f}" y="{y + 4:.0f}">{esc(n)}</text>'
                    for n, (x, y) in points.items())
    return (f'<svg width="{size + 200}" height="{size}" xmlns="http://www.w3.org/2000/svg"><style>line {{ stroke: '
            f'#4a7; stroke-width: 1.5; }} text {{ font: 12px sans-serif; }}</style><defs><marker id="arrow" '
            'viewBox="0 0 10 10" refX="16" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">'
            f'<path d="M 0 0 L 10 5 L 0 10 z" fill="#4a7"/></marker></defs>{edges}{nodes}</svg>')


def _html(names: list[str], rows: list[tuple[str, str, str]]) -> str:
    """One self-contained page: the matrix as a table, and the graph (`_svg`)."""
    conns = {(a, b): c for a, b, c in rows}
    esc = html.escape
    head = "".join(f"<th>{esc(n)}</th>" for n in names)
    body = "".join(
        f"<tr><th>{esc(a)}</th>" + "".join(
            "<td>-</td>" if a == b else
            f'<td class="{"closed" if conns[a, b] == NO_CONNECTIONS else "open"}">{esc(conns[a, b])}</td>'
            for b in names) + "</tr>" for a in names)
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>kuberules netpol matrix</title><style>
body {{ font-family: sans-serif; margin: 2em; }} table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: 4px 8px; font-size: 13px; }} td.open {{ background: #e6f4e6; }}
td.closed {{ background: #f8e6e6; color: #888; }}
</style></head><body>
<h1>Connectivity</h1><p>Rows are sources, columns destinations (kuberules netpol matrix).</p>
<table><tr><th>from \\ to</th>{head}</tr>{body}</table>
{_svg(names, rows)}
</body></html>
"""


def run_explain(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    net = _Network(args.cluster)
    ns, _, name = args.policy.partition("/")
    policy = net.view.get("NetworkPolicy", ns, name)
    if policy is None:
        raise InputError(f"{args.policy}: no NetworkPolicy of that namespace and name in the input")
    found = net.query("explain", policy, list(net.endpoints.values()))
    if args.output == "json":
        stdout.write(json.dumps({**found, "location": net.where.get(args.policy, "")}, indent=2) + "\n")
        return 0
    print(f"NetworkPolicy {found['policy']} ({net.where.get(args.policy, '')})", file=stdout)
    print(f"  selects: {', '.join(found['selects']) or 'no pod of the input'}", file=stdout)
    print(f"  isolates them for: {', '.join(found['isolates'])}", file=stdout)
    for rule in found["rules"]:
        ports = rule["ports"] if type(rule["ports"]) is str else ", ".join(
            f"{p.get('protocol', 'TCP')} {p.get('port', 'any')}" + (f"-{p['endPort']}" if "endPort" in p else "")
            for p in rule["ports"])
        print(f"  {rule['direction']}[{rule['index']}] on {ports}:", file=stdout)
        if type(rule["peers"]) is str:
            print(f"    {rule['peers']}", file=stdout)
            continue
        for peer in rule["peers"]:
            if "ipBlock" in peer:
                block = peer["ipBlock"]
                extra = f" except {', '.join(block['except'])}" if block.get("except") else ""
                print(f"    addresses in {block.get('cidr')}{extra}", file=stdout)
            else:
                print(f"    pods {peer['pods'] or '(all)'} in namespaces {peer['namespaces'] or '(all)'}: "
                      f"{', '.join(peer['matches']) or 'none in the input'}", file=stdout)
    return 0
