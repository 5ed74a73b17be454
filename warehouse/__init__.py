"""The DuckDB warehouse: DDL as numbered migrations (``warehouse/sql``), connection, loading,
versions and version-wide checks. Default file ``data/tacit.duckdb``; see ARCHITECTURE §4."""

from warehouse.connection import DEFAULT_DB, WarehouseBusyError, WarehouseError, connect

__all__ = ["DEFAULT_DB", "WarehouseBusyError", "WarehouseError", "connect"]
