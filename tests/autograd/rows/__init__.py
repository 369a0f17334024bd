"""Op-table rows by group of operations; ``op_table.OPS`` joins them."""
