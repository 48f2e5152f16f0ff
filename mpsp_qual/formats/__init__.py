"""Writers for what leaves the project: tables, workbooks, quote banks, REFI-QDA."""
