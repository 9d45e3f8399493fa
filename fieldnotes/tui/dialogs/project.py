"""Project settings: the study's ethics metadata (protocol, destroy-by date, consent forms)."""

from __future__ import annotations

from dataclasses import replace

from fieldnotes.model import Project
from fieldnotes.tui.dialogs.record_form import FieldSpec, RecordForm, attempt


class ProjectDialog(RecordForm):
    """Edits the project record; saves on ctrl+s, or shows why it can't."""

    HELP_TITLE = "Project settings"

    def __init__(self, project: Project) -> None:
        fields = [
            FieldSpec("protocol", "Ethics protocol", project.protocol, placeholder="e.g. IRB-2015-0412"),
            FieldSpec(
                "destroy_by", "Destroy by", project.destroy_by, placeholder="e.g. 31 Dec 2030", date=True
            ),
            FieldSpec(
                "consent_forms",
                "Consent forms",
                "; ".join(project.consent_forms),
                placeholder="versions, separated by ;",
            ),
            FieldSpec("researcher", "Researcher", project.researcher),
        ]
        super().__init__("Project settings (ethics)", fields, self._save)
        self.project = project

    def _save(self, values: dict[str, str]) -> str | None:
        forms = [form.strip() for form in values.pop("consent_forms").split(";") if form.strip()]
        updated = replace(self.project, consent_forms=forms, **values)
        return attempt(lambda: self.service.registries.save_project(updated))
