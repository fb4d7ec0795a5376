"""healthwatch suites: added as the healthwatch source's tables land (a suite is used only once its table exists)."""

from pipelines.validation.expectations import TableSuite

SUITES: tuple[TableSuite, ...] = ()
