"""Consortium reports for boards and funders: flows between employers, use of the pool, coach
load, programme outcomes and time to match, as JSON, CSV and charts, built now or by a job."""
