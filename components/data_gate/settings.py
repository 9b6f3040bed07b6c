"""What the ingested data must satisfy before anything trains: the schema it is checked
against and whether anomalies stop the run. Defined once for the pipeline config, the
DataGate component and the command line."""

import dataclasses

from tfx_distill.contracts import package_data
from tfx_distill.contracts.options import option

INFER = 'infer'  # --schema infer: SchemaGen infers a schema from this run's statistics
# --schema packaged (the default): the project's curated schema of the ingested digits,
# installed with this package (resolved where the step runs: schema_import.py).
PACKAGED = 'packaged'
SCHEMA_FILE = 'digits_schema.pbtxt'


def packaged_schema() -> str:
  """The path of the curated schema where this package is installed."""
  return package_data.path('tfx_distill.components.data_gate', SCHEMA_FILE)


PACKAGED_SCHEMA = packaged_schema()


def schema_label(schema_file: str) -> str:
  """How messages name a schema: the file, or the packaged one by name."""
  return f"the package's {SCHEMA_FILE}" if schema_file == PACKAGED else schema_file


@dataclasses.dataclass(frozen=True)
class ValidationSettings:
  """`schema_file`: the established schema the data is checked against, imported with
  TFX's ImportSchemaGen (`packaged` = the curated `digits_schema.pbtxt` of this package,
  schema_import.py; `infer` =
  SchemaGen infers one from the run's own statistics, which that data cannot break).
  ExampleValidator checks every split against it, TFX's DistributionValidator applies
  its skew comparators (eval split against train split) and drift comparators (every
  split against the last run's; distribution.py), and the DataGate stops the run on any
  of their anomalies unless `allow_anomalies`."""
  schema_file: str = option(PACKAGED, '--schema',
                            'the established schema.pbtxt to check the data against '
                            "(local or gs://; 'packaged', the default: the package's "
                            "curated digits schema; 'infer': infer one from this run's "
                            'statistics)')
  allow_anomalies: bool = option(False, '--allow-anomalies',
                                 'train even when the data breaks the schema (the '
                                 'anomalies are listed in the report)')

  def validate(self) -> 'ValidationSettings':
    return self
