"""Where the Beam-based components (StatisticsGen, SchemaGen, ExampleValidator, Evaluator)
run: the local DirectRunner, or Dataflow when one machine is not enough.

`beam_args()` of either config is what `create_pipeline(..., beam_pipeline_args=...)`
takes. Locally the DirectRunner runs in memory with one worker: on 2 cores
multi_processing was slower (bench/README.md, "Beam DirectRunner modes").
"""

import dataclasses
from typing import Tuple, Union

from tfx_distill.contracts.errors import ConfigError

DIRECT_MODES = ('in_memory', 'multi_threading', 'multi_processing')
# DirectRunner first tries Prism (a downloaded binary) and falls back; FnApiRunner is
# what it falls back to for these batch pipelines, without the attempt.
LOCAL_RUNNERS = ('DirectRunner', 'FnApiRunner')


@dataclasses.dataclass(frozen=True)
class DirectBeam:
  """Beam's local runner on the machine (or container) that runs the component."""
  running_mode: str = 'in_memory'
  num_workers: int = 1
  runner: str = 'DirectRunner'

  def validate(self) -> 'DirectBeam':
    if self.runner not in LOCAL_RUNNERS:
      raise ConfigError(f'beam: runner must be one of {LOCAL_RUNNERS}, got {self.runner!r}')
    if self.running_mode not in DIRECT_MODES:
      raise ConfigError(f'beam: running_mode must be one of {DIRECT_MODES}, '
                       f'got {self.running_mode!r}')
    if self.num_workers < 1:
      raise ConfigError(f'beam: num_workers must be >= 1, got {self.num_workers}')
    return self

  def beam_args(self) -> Tuple[str, ...]:
    self.validate()
    runner = () if self.runner == 'DirectRunner' else (f'--runner={self.runner}',)
    return runner + (f'--direct_running_mode={self.running_mode}',
                     f'--direct_num_workers={self.num_workers}')


@dataclasses.dataclass(frozen=True)
class DataflowBeam:
  """Google Cloud Dataflow: every Beam component becomes a Dataflow job."""
  project: str
  region: str
  temp_location: str  # gs://bucket/path for staging and temporary files
  machine_type: str = 'n1-standard-4'
  max_num_workers: int = 10
  disk_size_gb: int = 50
  service_account: str = ''
  sdk_container_image: str = ''  # default: Beam's image for the SDK version in use

  def validate(self) -> 'DataflowBeam':
    if not (self.project and self.region):
      raise ConfigError('dataflow: project and region are required')
    if not self.temp_location.startswith('gs://'):
      raise ConfigError(f'dataflow: temp_location must be a gs:// path, '
                       f'got {self.temp_location!r}')
    if self.max_num_workers < 1 or self.disk_size_gb < 1:
      raise ConfigError('dataflow: max_num_workers and disk_size_gb must be >= 1')
    if self.service_account and '@' not in self.service_account:
      raise ConfigError(f'dataflow: the service account must be an email '
                        f'(NAME@PROJECT.iam.gserviceaccount.com), got {self.service_account!r}')
    return self

  def beam_args(self) -> Tuple[str, ...]:
    self.validate()
    args = ['--runner=DataflowRunner', f'--project={self.project}',
            f'--region={self.region}', f'--temp_location={self.temp_location}',
            f'--machine_type={self.machine_type}',
            f'--max_num_workers={self.max_num_workers}',
            f'--disk_size_gb={self.disk_size_gb}']
    if self.service_account:
      args.append(f'--service_account_email={self.service_account}')
    if self.sdk_container_image:
      args.append(f'--sdk_container_image={self.sdk_container_image}')
    return tuple(args)


BeamConfig = Union[DirectBeam, DataflowBeam]

# Named Dataflow worker sizes for the CLI's --dataflow-preset.
DATAFLOW_MACHINES = {
    'small': ('n1-standard-4', 5),
    'large': ('n1-highmem-8', 20),
}


def dataflow(project: str, region: str, temp_location: str, size: str = 'small',
             sdk_container_image: str = '', service_account: str = '') -> DataflowBeam:
  """A Dataflow config of one of the named sizes. Pass the pipeline's image as
  `sdk_container_image` so that the workers hold TFX and this package;
  `service_account`: the workers' (default: Compute Engine's default one)."""
  if size not in DATAFLOW_MACHINES:
    raise ConfigError(f'dataflow: size must be one of {sorted(DATAFLOW_MACHINES)}, '
                     f'got {size!r}')
  machine_type, max_workers = DATAFLOW_MACHINES[size]
  return DataflowBeam(project=project, region=region, temp_location=temp_location,
                      machine_type=machine_type, max_num_workers=max_workers,
                      sdk_container_image=sdk_container_image,
                      service_account=service_account).validate()
