def test_organisation_client_sees_only_its_own_organisation(tenant_a, tenant_b):
    listed = tenant_a.api.get("/api/v1/organisations").get_json()
    assert [o["id"] for o in listed] == [tenant_a.id]
    assert tenant_a.api.get(f"/api/v1/organisations/{tenant_b.id}").status_code == 404
