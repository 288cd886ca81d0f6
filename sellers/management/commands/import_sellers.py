import csv
from argparse import RawDescriptionHelpFormatter
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sellers.forms import CSV_COLUMNS, SellerRowForm
from sellers.services import import_seller_row

HELP = """Import Seller Center accounts and shops (SPEC §6) from a UTF-8 CSV file.

The header row must name these columns (any order; extra columns are ignored):
  email        login email (email and/or phone is required; an account is matched by
               email, case-insensitive, then by phone)
  phone        login phone in E.164, e.g. +14155550123
  password     plain text, stored hashed; required for a new account, blank keeps it
  name         display name; required for a new account
  kyc_status   pending | passed | failed (blank: pending, or unchanged)
  region       the seller's base region, two letters, e.g. US, CN
  shop_id      optional; a row with a shop_id creates or updates that shop
  shop_name    required with shop_id
  shop_region  the shop's market code (US, UK, MY, ...), required with shop_id
  seller_type  LOCAL | CROSS_BORDER, required with shop_id

One row per shop: repeat the account columns (or only its email/phone) for a seller's
further shops. Re-running a file updates rows instead of duplicating them. Bad rows are
reported with their line number and skipped; the good ones are kept. The exit status is
non-zero when any row was rejected."""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(
            prog_name, subcommand, formatter_class=RawDescriptionHelpFormatter, **kwargs
        )

    def add_arguments(self, parser):
        parser.add_argument("csv_file", help="path to the CSV file")

    def handle(self, *args, csv_file: str, **options):
        path = Path(csv_file)
        if not path.is_file():
            raise CommandError(f"File not found: {path}")
        counts = dict.fromkeys(
            ["accounts created", "accounts updated", "shops created", "shops updated"], 0
        )
        bad = 0
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [column.strip() for column in reader.fieldnames or []]
            missing = [column for column in CSV_COLUMNS if column not in header]
            if missing:
                raise CommandError(
                    f"{path}: missing column(s): {', '.join(missing)}. "
                    f"Expected: {','.join(CSV_COLUMNS)}"
                )
            reader.fieldnames = header
            for row in reader:
                reason = self.import_row(row, counts)
                if reason:
                    bad += 1
                    self.stderr.write(f"line {reader.line_num}: {reason}")
        summary = ", ".join(f"{n} {what}" for what, n in counts.items())
        self.stdout.write(f"{path}: {summary}; {bad} row(s) rejected.")
        if bad:
            raise CommandError(f"{bad} row(s) rejected; the other rows were imported.")

    def import_row(self, row: dict, counts: dict) -> str | None:
        """Import one row; return why it was rejected, or None."""
        if None in row:
            return "more values than columns"
        form = SellerRowForm({column: row.get(column) for column in CSV_COLUMNS})
        if not form.is_valid():
            return form.reason()
        try:
            outcome = import_seller_row(**form.cleaned_data)
        except ValidationError as exc:
            return "; ".join(exc.messages)
        counts["accounts created" if outcome.account_created else "accounts updated"] += 1
        if outcome.shop_created is not None:
            counts["shops created" if outcome.shop_created else "shops updated"] += 1
        return None
