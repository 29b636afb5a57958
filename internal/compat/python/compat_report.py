"""Shared by the Python clients of the compatibility suite (internal/compat).

A client reads what to do from COMPAT_* environment variables set by
compat_test.go, runs it through its driver, and prints one JSON report on
stdout. The report carries what the driver handed to the application (each
value tagged with its Python type), not verdicts: compat_test.go compares it
with values computed from the fake Stripe account.
"""

import datetime
import decimal
import json
import os
import sys


class Config:
    """The COMPAT_* variables (see compat_test.go, clientEnv)."""

    def __init__(self):
        env = os.environ
        self.host = env["COMPAT_HOST"]
        self.port = int(env["COMPAT_PORT"])
        self.user = env["COMPAT_USER"]
        self.database = env["COMPAT_DATABASE"]
        self.table = env["COMPAT_TABLE"]
        self.param = env["COMPAT_PARAM"]
        # Statements use "?" placeholders; each driver converts them.
        self.queries = {
            "plain": env["COMPAT_PLAIN_SQL"],
            "prepared": env["COMPAT_PREPARED_SQL"],
            "decimal": env.get("COMPAT_DECIMAL_SQL", ""),
        }


def cell(value):
    """Tags a value with the type the driver returned it as."""
    if value is None:
        return {"t": "null", "v": None}
    if isinstance(value, bool):
        return {"t": "bool", "v": str(value).lower()}
    if isinstance(value, int):
        return {"t": "int", "v": str(value)}
    if isinstance(value, float):
        return {"t": "float", "v": repr(value)}
    if isinstance(value, decimal.Decimal):
        return {"t": "decimal", "v": str(value)}
    if isinstance(value, datetime.datetime):
        return {"t": "datetime", "v": value.isoformat(sep=" ")}
    if isinstance(value, datetime.date):
        return {"t": "date", "v": value.isoformat()}
    if isinstance(value, (bytes, bytearray)):
        return {"t": "bytes", "v": bytes(value).decode("utf-8")}
    if isinstance(value, str):
        return {"t": "string", "v": value}
    if isinstance(value, (dict, list)):
        return {"t": "json", "v": value}
    return {"t": "other:" + type(value).__name__, "v": str(value)}


def result(columns, rows):
    """columns: [(name, type name or None)]; rows: sequences of values."""
    return {
        "columns": [{"name": n, "type": t} for n, t in columns],
        "rows": [[cell(v) for v in row] for row in rows],
    }


def field_type_names(field_type_module):
    """Maps the protocol's column type codes to names (245 -> "JSON")."""
    return {
        code: name
        for name, code in vars(field_type_module).items()
        if name.isupper() and isinstance(code, int)
    }


def dbapi_result(cursor, type_names):
    """The current result of a DB-API cursor, with protocol type names."""
    columns = [(d[0], type_names.get(d[1], str(d[1]))) for d in cursor.description]
    return result(columns, cursor.fetchall())


def emit(report):
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
