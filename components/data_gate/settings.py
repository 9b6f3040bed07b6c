"""What the ingested data must satisfy before anything trains: the schema it is checked
against and whether anomalies stop the run. Defined once for the pipeline config, the
DataGate component and the command line."""

import dataclasses
import os

from tfx_distill.contracts.options import option

INFER = 'infer'  # --schema infer: SchemaGen infers a schema from this run's statistics
# The project's curated schema of the ingested digits, beside this file.
SCHEMA_FILE = 'digits_schema.pbtxt'
PACKAGED_SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), SCHEMA_FILE)


@dataclasses.dataclass(frozen=True)
class ValidationSettings:
  """`schema_file`: the established schema the data is checked against, imported with
  TFX's ImportSchemaGen ('' = the curated `digits_schema.pbtxt` of this package; `infer` =
  SchemaGen infers one from the run's own statistics, which that data cannot break).
  ExampleValidator checks every split against it, TFX's DistributionValidator applies
  its skew comparators (eval split against train split) and drift comparators (every
  split against the last run's; distribution.py), and the DataGate stops the run on any
  of their anomalies unless `allow_anomalies`."""
  schema_file: str = option('', '--schema',
                            'the established schema.pbtxt to check the data against '
                            "(local or gs://; default: the package's curated digits "
                            "schema; 'infer': infer one from this run's statistics)")
  allow_anomalies: bool = option(False, '--allow-anomalies',
                                 'train even when the data breaks the schema (the '
                                 'anomalies are listed in the report)')

  def validate(self) -> 'ValidationSettings':
    return self
