"""The DataGate's anomalies, on plain protos: TFDV Anomalies (ExampleValidator's per
split, TFX DistributionValidator's per pair of splits) as one record each, and the
one-line message that stops a run.

ExampleValidator (TFDV `validate_statistics(statistics, schema)`) checks each split on
its own: types, presence, value counts, domains, unique values. The schema's skew and
drift comparators compare two sets of statistics, which ExampleValidator never has;
TFX's DistributionValidator runs them (distribution.py): the eval split against the
train split, and each split against the same split of the last run.
"""

from typing import Iterable, List, NamedTuple, Sequence

from tensorflow_metadata.proto.v0 import anomalies_pb2

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
    # DistributionValidator clears the feature's own descriptions (they may mix in
    # reasons it does not keep): its reasons say it then.
    short = info.short_description or '; '.join(r.short_description for r in info.reason)
    description = info.description or ' '.join(r.description for r in info.reason)
    found.append(Anomaly(where, feature,
                         anomalies_pb2.AnomalyInfo.Severity.Name(info.severity),
                         short, description))
  return found


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
