"""The data checks of the DataGate, on plain protos: ExampleValidator's anomalies per
split, the schema's skew comparators between two splits, and the one-line message that
stops a run.

ExampleValidator (TFDV `validate_statistics(statistics, schema)`) checks each split on
its own: types, presence, value counts, domains, unique values. A schema's
`skew_comparator`s only act when TFDV is also given "serving" statistics, which
ExampleValidator never passes; here the eval split, on which TFMA judges every model,
plays that part against the train split the models learn from.
"""

from typing import Iterable, List, NamedTuple, Sequence

import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2

DATASET = '(dataset)'  # the feature name of a dataset-level anomaly
# Anomaly types raised by skew (and drift) comparators.
COMPARATOR_PREFIX = 'COMPARATOR_'
MAX_DESCRIBED = 3  # anomalies spelled out in the one-line message


class Anomaly(NamedTuple):
  """One anomaly: where (a split, or 'eval vs train' for skew), which feature, how bad,
  and TFDV's short and long descriptions."""
  where: str
  feature: str
  severity: str
  short: str
  description: str

  def line(self) -> str:
    return f"{self.where}, feature '{self.feature}': {self.short} ({self.description})"


def from_proto(proto: anomalies_pb2.Anomalies, where: str,
               comparators_only: bool = False) -> List[Anomaly]:
  """The anomalies of a TFDV Anomalies proto, by feature; with comparators_only, only
  those every reason of which is a skew or drift comparator's."""
  found = []
  infos = sorted(proto.anomaly_info.items())
  if proto.HasField('dataset_anomaly_info'):
    infos.append((DATASET, proto.dataset_anomaly_info))
  for feature, info in infos:
    kinds = [anomalies_pb2.AnomalyInfo.Type.Name(r.type) for r in info.reason]
    if comparators_only and not (kinds and all(k.startswith(COMPARATOR_PREFIX)
                                               for k in kinds)):
      continue
    found.append(Anomaly(where, feature,
                         anomalies_pb2.AnomalyInfo.Severity.Name(info.severity),
                         info.short_description, info.description))
  return found


def skew(baseline: statistics_pb2.DatasetFeatureStatisticsList,
         compared: statistics_pb2.DatasetFeatureStatisticsList,
         schema: schema_pb2.Schema, where: str) -> List[Anomaly]:
  """The anomalies of the schema's skew comparators, `compared` against `baseline`
  (TFDV's training and serving statistics)."""
  proto = tfdv.validate_statistics(baseline, schema, serving_statistics=compared)
  return from_proto(proto, where, comparators_only=True)


def summary(anomalies: Sequence[Anomaly], schema: str) -> str:
  """One line naming the schema and the first anomalies (DataError adds the data)."""
  described = '; '.join(a.line() for a in anomalies[:MAX_DESCRIBED])
  more = (f'; and {len(anomalies) - MAX_DESCRIBED} more'
          if len(anomalies) > MAX_DESCRIBED else '')
  return (f'the data breaks the schema {schema}: {len(anomalies)} '
          f'anomal{"y" if len(anomalies) == 1 else "ies"}: {described}{more}; fix the '
          'data, or rerun with --allow-anomalies to train anyway (the report then lists '
          'them)')


def as_records(anomalies: Iterable[Anomaly]) -> List[dict]:
  return [a._asdict() for a in anomalies]
