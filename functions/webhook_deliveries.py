"""Lambda entry point of the every-minute webhook delivery job: a Chalice app holding only that schedule."""

from typing import Any

from chalice import Chalice, Rate

from chalicelib.jobs import job
from chalicelib.wiring import get_deps

app = Chalice(app_name="cashpilot-webhook-deliveries", configure_logs=False)


@app.schedule(Rate(1, unit=Rate.MINUTES))
def deliver_webhooks(event: Any) -> dict[str, Any]:
    return {"organizations": job("webhook_deliveries").run(get_deps(), None)}


def on_outbox_events(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The table's stream: the outbox events just written; their organizations' deliveries are attempted now."""
    from chalicelib.webhooks.dispatch import organizations_in_records
    from chalicelib.webhooks.worker import run_org

    deps = get_deps()
    return {"organizations": {org_id: run_org(deps, org_id)
                              for org_id in sorted(organizations_in_records(event.get("Records", [])))}}
