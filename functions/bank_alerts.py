"""Lambda entry point of the daily bank-alerts job: a Chalice app holding only that schedule."""

from typing import Any

from chalice import Chalice, Cron

from chalicelib.jobs import job
from chalicelib.wiring import get_deps

app = Chalice(app_name="cashpilot-bank-alerts", configure_logs=False)


# 05:00 UTC: after the overdue job (04:30), so the invoices it marks overdue are alerted the same morning.
@app.schedule(Cron(0, 5, "*", "*", "?", "*"))
def raise_bank_alerts(event: Any) -> dict[str, Any]:
    return {"organizations": job("bank_alerts").run(get_deps(), None)}
