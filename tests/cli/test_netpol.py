"""kuberules netpol reach / matrix on the shop example (clean, and the AND/OR mistake)."""

from __future__ import annotations

import json
from pathlib import Path

from .test_cli import cli

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop"
CLEAN, MISTAKES = str(SHOP / "clean"), str(SHOP / "mistakes")


def test_reach_explains_both_sides():
    code, out, _ = cli("netpol", "reach", "shop/web", "shop/db", "--port", "5432", "--cluster", CLEAN, "--explain")
    assert (code, out.splitlines()) == (1, [
        "no",
        "  egress: no NetworkPolicy selects the pod for egress",
        "  ingress: isolated for ingress by default-deny, db-from-api, and no rule of them admits it",
    ])
    code, out, _ = cli("netpol", "reach", "shop/web", "shop/db", "--port", "5432", "--cluster", MISTAKES, "-o", "json")
    verdict = json.loads(out)
    assert (code, verdict["allowed"]) == (0, True)  # the two peers are an OR: every storefront pod gets in
    assert verdict["ingress"]["rules"] == [{"policy": "shop/db-from-api", "rule": 0,
                                            "location": f"{MISTAKES}/network.yaml:40"}]


def test_reach_without_a_port_gives_the_allowed_set():
    code, out, _ = cli("netpol", "reach", "shop/web", "shop/api", "--cluster", CLEAN)
    assert (code, out) == (0, "yes: TCP 9000\n")
    code, out, _ = cli("netpol", "reach", "shop/db", "shop/api", "--cluster", CLEAN)
    assert (code, out) == (1, "no: No Connections\n")


def test_matrix_lists_every_open_pair():
    code, out, _ = cli("netpol", "matrix", CLEAN)
    assert (code, out.splitlines()) == (0, [  # egress is not isolated: the pods reach any address
        "shop/api => shop/db : TCP 5432",
        "shop/api => shop/web : TCP 8080",
        "shop/api => 0.0.0.0-255.255.255.255 : All Connections",
        "shop/db => shop/web : TCP 8080",
        "shop/db => 0.0.0.0-255.255.255.255 : All Connections",
        "shop/web => shop/api : TCP 9000",
        "shop/web => 0.0.0.0-255.255.255.255 : All Connections",
        "0.0.0.0-255.255.255.255 => shop/web : TCP 8080",
    ])
    code, out, _ = cli("netpol", "matrix", CLEAN, "-o", "json")
    assert {"src": "shop/db", "dst": "shop/api", "conns": "No Connections"} in json.loads(out)


def test_unknown_endpoint_is_an_input_error():
    code, _, err = cli("netpol", "reach", "shop/nope", "shop/db", "--cluster", CLEAN)
    assert code == 2 and "shop/nope: not a pod or workload of the input" in err


def test_diff_between_the_clean_and_the_mistaken_shop():
    code, out, _ = cli("netpol", "diff", CLEAN, MISTAKES, "--exit-code")
    lines = out.splitlines()
    assert code == 1
    assert "added: shop/web => shop/db : No Connections -> TCP 5432" in lines  # the AND/OR mistake
    assert "removed: shop/web => shop/api : TCP 9000 -> No Connections" in lines  # api pods relabelled api-v2
    assert cli("netpol", "diff", CLEAN, CLEAN, "--exit-code")[:2] == (0, "")


def test_explain_resolves_each_peer_to_pods():
    code, out, _ = cli("netpol", "explain", "shop/db-from-api", "--cluster", MISTAKES)
    assert (code, out.splitlines()) == (0, [
        f"NetworkPolicy shop/db-from-api ({MISTAKES}/network.yaml:40)",
        "  selects: shop/db",
        "  isolates them for: Ingress",
        "  ingress[0] on TCP 5432:",
        "    pods (all) in namespaces team=storefront: shop/api, shop/db, shop/web",
        "    pods app=api in namespaces the policy's own: none in the input",
    ])
    assert cli("netpol", "explain", "shop/nope", "--cluster", MISTAKES)[0] == 2


def test_matrix_as_dot_svg_and_html():
    code, out, _ = cli("netpol", "matrix", CLEAN, "-o", "dot")
    assert code == 0 and '  "shop/web" -> "shop/api" [label="TCP 9000"];' in out.splitlines()
    code, out, _ = cli("netpol", "matrix", CLEAN, "-o", "svg")
    assert code == 0 and out.startswith("<svg ") and out.count("<line ") == 8
    assert "<title>shop/web =&gt; shop/api : TCP 9000</title>" in out
    code, out, _ = cli("netpol", "matrix", CLEAN, "-o", "html")
    assert code == 0 and out.startswith("<!doctype html>") and '<td class="open">TCP 5432</td>' in out
    assert (Path(__file__).resolve().parents[2] / "docs" / "netpol-shop.svg").read_text() == cli(
        "netpol", "matrix", CLEAN, "-o", "svg")[1]  # the README's picture is this output


def test_an_invalid_policy_is_a_located_input_error(tmp_path):
    (tmp_path / "np.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: shop}\n"
        "spec:\n  podSelector: {}\n  ingress:\n    - ports: [{port: 80, endPort: 70, protocol: ICMP}]\n")
    code, out, err = cli("netpol", "matrix", str(tmp_path))
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {tmp_path / 'np.yaml'}:1: NetworkPolicy bad: spec.ingress[0].ports[0].protocol: "
                          'Unsupported value: "ICMP"')
    assert "endPort" in err


EGRESS_TO_BLOCK = """\
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
spec: {containers: [{name: a, image: a}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: out, namespace: x}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]
      ports: [{port: 443}]
"""


def test_matrix_cuts_the_address_space_where_blocks_start_and_end(tmp_path):
    """Addresses are ranges with one answer each (netpol-analyzer's notation); a range's neighbours with
    the same connections both ways are merged with it."""
    (tmp_path / "app.yaml").write_text(EGRESS_TO_BLOCK)
    code, out, _ = cli("netpol", "matrix", str(tmp_path))
    assert (code, out.splitlines()) == (0, [
        "x/a => 10.0.0.0-10.0.255.255 : TCP 443",
        "x/a => 10.2.0.0-10.255.255.255 : TCP 443",
        "0.0.0.0-9.255.255.255 => x/a : All Connections",
        "10.0.0.0-10.0.255.255 => x/a : All Connections",
        "10.1.0.0-10.1.255.255 => x/a : All Connections",
        "10.2.0.0-10.255.255.255 => x/a : All Connections",
        "11.0.0.0-255.255.255.255 => x/a : All Connections",
    ])
    code, out, _ = cli("netpol", "reach", "x/a", "10.1.2.3", "--port", "443", "--cluster", str(tmp_path))
    assert (code, out) == (1, "no\n")


def test_diff_compares_the_same_address_ranges_on_both_sides(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    (tmp_path / "old" / "app.yaml").write_text(EGRESS_TO_BLOCK.split("---")[0])
    (tmp_path / "new" / "app.yaml").write_text(EGRESS_TO_BLOCK)
    code, out, _ = cli("netpol", "diff", str(tmp_path / "old"), str(tmp_path / "new"))
    assert (code, out.splitlines()) == (0, [
        "removed: x/a => 0.0.0.0-9.255.255.255 : All Connections -> No Connections",
        "changed: x/a => 10.0.0.0-10.0.255.255 : All Connections -> TCP 443",
        "removed: x/a => 10.1.0.0-10.1.255.255 : All Connections -> No Connections",
        "changed: x/a => 10.2.0.0-10.255.255.255 : All Connections -> TCP 443",
        "removed: x/a => 11.0.0.0-255.255.255.255 : All Connections -> No Connections",
    ])
