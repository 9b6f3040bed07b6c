"""Executor of the Report component: artifacts -> `build.build_report`."""

import json
from typing import Any, Dict, List

from tfx.dsl.components.base import base_executor
from tfx.types import Artifact, artifact_utils

from tfx_distill.components.report.artifact_refs import from_tfx
from tfx_distill.components.report.build import build_report
from tfx_distill.components.report.render import INDEX_HTML
from tfx_distill.components.report.spec import CONFIG_KEY, REPORT_KEY, provenance


class Executor(base_executor.BaseExecutor):

  def Do(self, input_dict: Dict[str, List[Artifact]],
         output_dict: Dict[str, List[Artifact]],
         exec_properties: Dict[str, Any]) -> None:
    config = json.loads(exec_properties.get(CONFIG_KEY) or '{}')
    refs = [from_tfx(a) for artifacts in input_dict.values() for a in artifacts]
    context = self._context
    pipeline_info = getattr(context, 'pipeline_info', None)
    made_by = provenance(getattr(pipeline_info, 'id', None),
                         getattr(context, 'pipeline_run_id', None), config,
                         generated_by='Report component')
    report = artifact_utils.get_single_instance(output_dict[REPORT_KEY])
    summary = build_report(refs, report.uri, made_by)
    report.set_string_custom_property('index', INDEX_HTML)
    report.set_int_custom_property('models', len(summary['models']))
    report.set_int_custom_property(
        'blessed', sum(1 for row in summary['rows'] if row['blessed']))
