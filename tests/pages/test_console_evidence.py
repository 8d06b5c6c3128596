"""The consortium page's evidence reports: each chart inline with its figures as a table (its
text alternative), and CSV and chart downloads that are what the API answers for that
Accept; read as the reports' services decide (staff 403, another consortium 404).

The world is the pairing tests' (tests/matches): Cora (delta) coordinates the network of
tenant_a, gamma and delta; Gail is gamma's staff; tenant_b is outside it.
"""

from __future__ import annotations

from tests.matches.conftest import (  # noqa: F401 - fixtures used by these tests
    MatchWorld,
    delta,
    gamma,
    pool,
    world,
)
from tests.pages.support import page


def test_the_coordinator_reads_the_evidence_and_downloads_it_as_the_api_gives_it(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    cora, network = world.coordinator, world.network_id
    path = f"/consortia/{network}"
    assert path in page(cora.get("/")).links
    shown = page(cora.get(path))
    titles = [text for level, text in shown.headings if level == 2]
    assert titles[0] == "Reciprocity: hours given and received" and len(titles) == 7
    assert "the chart\u2019s figures" in shown.words
    for kind in ("reciprocity", "flows", "utilisation", "coach-load"):
        assert f"{path}/reports/{kind}.csv" in shown.links
    api_urls = {
        "reciprocity": f"/api/v1/consortia/{network}/reciprocity",
        "flows": f"/api/v1/reports/consortia/{network}/flows",
    }
    for kind, api in api_urls.items():
        assert api in shown.links
        mine = cora.get(f"{path}/reports/{kind}.csv")
        theirs = cora.get(api, headers={"Accept": "text/csv"})
        assert mine.status_code == theirs.status_code == 200
        assert mine.get_data() == theirs.get_data()
        assert mine.headers["Content-Disposition"] == theirs.headers["Content-Disposition"]
        chart = cora.get(f"{path}/reports/{kind}.png")
        assert chart.mimetype == "image/png" and chart.get_data()[:4] == b"\x89PNG"
    assert cora.get(f"{path}/reports/flows.svg").mimetype == "image/svg+xml"
    programme = world.programme["id"]
    assert f"/programmes/{programme}/evaluation-report.csv" in shown.links
    mine = cora.get(f"/programmes/{programme}/evaluation-report.csv")
    theirs = cora.get(
        f"/api/v1/programmes/{programme}/evaluation-report", headers={"Accept": "text/csv"}
    )
    assert mine.get_data() == theirs.get_data()
    page(cora.get(f"{path}/reports/nonsense.csv"), 404)


def test_who_reads_the_evidence_is_the_reports_decision(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    path = f"/consortia/{world.network_id}"
    page(world.mentee.get(path), 403)  # a member's staff: the API's 403
    page(world.mentee.get(f"{path}/reports/flows.csv"), 403)
    outsider = world.person("outsider", world.pool.b, "Olga", org_admin=True)
    page(outsider.get(path), 404)  # not a member: the consortium is not there for them
    page(outsider.get(f"{path}/reports/reciprocity.png"), 404)
    page(outsider.get(f"/programmes/{world.programme['id']}/evaluation-report.csv"), 404)
