"""Lambda entry point of the daily overdue job: a Chalice app holding only that schedule."""

from typing import Any

from chalice import Chalice, Cron

from chalicelib.jobs import job
from chalicelib.wiring import get_deps

app = Chalice(app_name="cashpilot-overdue-invoices", configure_logs=False)


# 04:30 UTC is after midnight in every zone the organizations use (Europe, West and Central Africa).
@app.schedule(Cron(30, 4, "*", "*", "?", "*"))
def mark_overdue_invoices(event: Any) -> dict[str, Any]:
    return {"organizations": job("overdue_invoices").run(get_deps(), None)}
