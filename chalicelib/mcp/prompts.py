"""Prompts for the product guide's four scenarios: month-end review, a new client, collection follow-up and tax
preparation. Each is a user message that names the tools to call, in order, with the arguments filled in; it
reads no data itself (the tools do, with the caller's key and scopes).

Arguments are strings on the wire (MCP prompt arguments); dates are ``YYYY-MM-DD`` and months ``YYYY-MM``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Annotated

from mcp.server import MCPServer
from pydantic import Field

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


def _month_bounds(month: str | None) -> tuple[str, str, str]:
    """The month (default: the previous calendar month, UTC) and its first and last days."""
    if month:
        year, number = (int(part) for part in month.split("-"))
    else:
        previous = dt.datetime.now(dt.UTC).date().replace(day=1) - dt.timedelta(days=1)
        year, number = previous.year, previous.month
    last = calendar.monthrange(year, number)[1]
    return f"{year:04d}-{number:02d}", f"{year:04d}-{number:02d}-01", f"{year:04d}-{number:02d}-{last:02d}"


def month_end_review(month: Annotated[str | None, Field(pattern=MONTH, description="Month to close, YYYY-MM "
                                                                                   "(default: the previous month).")]
                     = None) -> str:
    """Month-end review: this month's KPIs, unpaid invoices, receivables, then the FEC of the month."""
    label, first, last = _month_bounds(month)
    return (f"Run my month-end review for {label}.\n"
            "1. Call get_dashboard_kpis and summarise billed, collected, expenses, margin and what is pending.\n"
            "2. Call get_unpaid_invoices and list the unpaid invoices, the most overdue first.\n"
            "3. Call get_receivables_summary and give the totals (receivable, collected, pending, overdue).\n"
            f"4. Call export_fec with start_date {first} and end_date {last}; report the file name and line count.\n"
            "Finish with three actions I should take, citing invoice numbers and amounts.")


def new_client(company_name: Annotated[str, Field(description="The client's company name.")],
               contact_name: Annotated[str | None, Field(description="Contact person.")] = None,
               email: Annotated[str | None, Field(description="Billing e-mail.")] = None,
               city: Annotated[str | None, Field(description="City.")] = None,
               vat_number: Annotated[str | None, Field(description="VAT number, e.g. FR12345678901.")] = None,
               first_invoice_ht: Annotated[Decimal | None, Field(gt=0, description="Amount excluding VAT of a "
                                                                                   "first invoice to create "
                                                                                   "(optional).")] = None) -> str:
    """New client: create the client, optionally a first invoice for it, then send that invoice."""
    details = ", ".join(f"{name} {value}" for name, value in (("contact", contact_name), ("email", email),
                                                                 ("city", city), ("VAT number", vat_number))
                        if value)
    steps = [f"Set up the new client {company_name}" + (f" ({details})" if details else "") + ".",
             "1. Call list_clients with search set to the company name; if it already exists, use that client "
             "and tell me.",
             "2. Otherwise call create_client with those details (and an idempotency_key) and note its id."]
    if first_invoice_ht:
        steps += [f"3. Call create_invoice for that client_id with total_ht {first_invoice_ht}, tax_rate 20, "
                  "status draft, due in 30 days; show me the totals before going on.",
                  "4. Once I agree, call update_invoice_status with status sent and give me the invoice number."]
    return "\n".join(steps)


def collection_follow_up(days_overdue: Annotated[int, Field(ge=0, le=3650, description="Only invoices at least "
                                                                                        "this many days late "
                                                                                        "(default 30).")] = 30
                         ) -> str:
    """Collection follow-up: the invoices late by at least N days, each client's balance, and reminders."""
    return (f"Help me collect the invoices more than {days_overdue} days overdue.\n"
            f"1. Call get_unpaid_invoices with days_overdue {days_overdue}.\n"
            "2. For each client concerned, call get_client_balance with its client_id.\n"
            "3. Draft a short, polite reminder per client (invoice numbers, amounts due, due dates).\n"
            "4. If I tell you a payment arrived, call create_payment for that invoice_id with the amount, method "
            "and date I give (and an idempotency_key), then call get_trial_balance to show the books are balanced.")


def tax_preparation(start_date: Annotated[dt.date, Field(description="First day of the period, YYYY-MM-DD.")],
                    end_date: Annotated[dt.date, Field(description="Last day of the period, YYYY-MM-DD.")]) -> str:
    """Tax preparation: VAT summary, FEC and SAF-T of a period, then a backup."""
    return (f"Prepare my tax filing for {start_date} to {end_date}.\n"
            f"1. Call get_tax_summary with start_date {start_date} and end_date {end_date}: VAT collected, "
            "deductible VAT and VAT due (or credit), by rate.\n"
            "2. Call export_fec for the same dates (the period must lie within one fiscal year).\n"
            "3. Call export_saft for the same dates.\n"
            "4. Call backup_all_data and report how many records each part holds.\n"
            "Point out anything that looks inconsistent before I file.")


def register(server: MCPServer) -> None:
    server.prompt(name="month_end_review", title="Month-end review")(month_end_review)
    server.prompt(name="new_client", title="New client")(new_client)
    server.prompt(name="collection_follow_up", title="Collection follow-up")(collection_follow_up)
    server.prompt(name="tax_preparation", title="Tax preparation")(tax_preparation)
